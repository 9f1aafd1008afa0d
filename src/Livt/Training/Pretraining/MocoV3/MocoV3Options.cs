using Livt.Configuration;

namespace Livt.Training.Pretraining.MocoV3;

/// <summary>MoCo v3's settings (<c>main_moco.py</c>; the ViT recipe of CONFIG.md: <c>--moco-t .2 --moco-m-cos
/// --stop-grad-conv1</c>, MLPs 4096 wide, 256-d output).</summary>
internal sealed record MocoV3Options
{
    /// <summary>T of the InfoNCE (<c>--moco-t</c>).</summary>
    public double Temperature { get; init; } = 0.2;

    /// <summary>m at the start, raised to 1 on a half cosine (<c>--moco-m</c> with <c>--moco-m-cos</c>).</summary>
    public double Momentum { get; init; } = 0.99;

    /// <summary>Output width of projector and predictor (<c>--moco-dim</c>).</summary>
    public int ProjDim { get; init; } = 256;

    /// <summary>Hidden width of the MLPs (<c>--moco-mlp-dim</c>).</summary>
    public int HiddenDim { get; init; } = 4096;

    /// <summary>The random patch projection stays frozen (<c>--stop-grad-conv1</c>).</summary>
    public bool FreezePatchEmbed { get; init; } = true;

    /// <summary>The options of a run: its settings where given, the official values otherwise.</summary>
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
