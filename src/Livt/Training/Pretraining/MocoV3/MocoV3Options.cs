using Livt.Configuration;

namespace Livt.Training.Pretraining.MocoV3;

/// <summary>MoCo v3's settings, the values its paper reports for ViTs: τ 0.2, momentum 0.99 raised to 1 on a
/// cosine, the patch projection frozen, MLPs 4096 wide with 256-d outputs.</summary>
internal sealed record MocoV3Options
{
    /// <summary>τ of the InfoNCE.</summary>
    public double Temperature { get; init; } = 0.2;

    /// <summary>m at the start, raised to 1 on a half cosine over the run.</summary>
    public double Momentum { get; init; } = 0.99;

    /// <summary>Output width of projector and predictor.</summary>
    public int ProjDim { get; init; } = 256;

    /// <summary>Hidden width of the MLPs.</summary>
    public int HiddenDim { get; init; } = 4096;

    /// <summary>The random patch projection stays frozen.</summary>
    public bool FreezePatchEmbed { get; init; } = true;

    /// <summary>The options of a run: its settings where given, the paper's values otherwise.</summary>
    public static MocoV3Options From(TrainConfig config)
    {
        var d = new MocoV3Options();
        return new MocoV3Options
        {
            Temperature = config.SslTemperature ?? d.Temperature, Momentum = config.SslMomentum ?? d.Momentum,
            ProjDim = config.SslProjDim ?? d.ProjDim, HiddenDim = config.SslHiddenDim ?? d.HiddenDim,
            FreezePatchEmbed = config.FreezePatchEmbed ?? d.FreezePatchEmbed,
        };
    }
}
