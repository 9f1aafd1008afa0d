using Livt.Configuration;

namespace Livt.Training.Pretraining.Byol;

/// <summary>BYOL's settings (<c>configs/byol.py</c>: projector and predictor 4096 → 256, base target EMA 0.996 for
/// its longest schedule; 0.99 at 300 epochs, 0.97 at 40).</summary>
internal sealed record ByolOptions
{
    /// <summary>τ at the start, raised to 1 on a cosine over the run's optimizer steps (<c>base_target_ema</c>).</summary>
    public double Momentum { get; init; } = 0.996;

    /// <summary>Output width of projector and predictor.</summary>
    public int ProjDim { get; init; } = 256;

    /// <summary>Hidden width of projector and predictor.</summary>
    public int HiddenDim { get; init; } = 4096;

    /// <summary>The options of a run: its settings where given, the official values otherwise.</summary>
    public static ByolOptions From(TrainConfig config)
    {
        var d = new ByolOptions();
        return new ByolOptions
        {
            Momentum = config.SslMomentum ?? d.Momentum, ProjDim = config.SslProjDim ?? d.ProjDim, HiddenDim = config.SslHiddenDim ?? d.HiddenDim,
        };
    }
}
