namespace Livt.Losses.Contrastive;

/// <summary>
/// Hyper-parameters of GPaCo / PaCo (Cui et al., ICCV 2021 and TPAMI 2023). Defaults are the official
/// GPaCo long-tail code's (<c>GPaCo/LT</c>: <c>paco_lt.py</c> and its ImageNet-LT / iNat18 scripts):
/// α 0.05, β 1, γ 1, temperature 0.2, no smoothing, logit-adjusted class centres, a queue of 8192
/// 128-d keys. The MAE-ViT variant for balanced ImageNet uses α 0.2, smoothing 0.1, no logit adjustment.
/// </summary>
public sealed record GpacoOptions
{
    /// <summary>Weight α of the sample-to-sample positives [--alpha].</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Weight β of the sample-to-centre positive [--beta].</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>Weight γ of the sample terms in the softmax denominator [--gamma].</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>Temperature of the feature dot products [--moco-t].</summary>
    public double Temperature { get; init; } = 0.2;

    /// <summary>The loss is scaled by Temperature / BaseTemperature; null means equal (scale 1).</summary>
    public double? BaseTemperature { get; init; }

    /// <summary>Temperature dividing the (adjusted) classifier logits [supt].</summary>
    public double SupervisedTemperature { get; init; } = 1.0;

    /// <summary>Label smoothing of the centre targets: s/(C−1) off, 1 − s on.</summary>
    public double Smoothing { get; init; }

    /// <summary>Add log(π + 1e−9) to the classifier logits inside the loss (GPaCo's long-tail form).</summary>
    public bool LogitAdjustment { get; init; } = true;

    /// <summary>Keys kept in the FIFO queue (read by the stage; 0 contrasts the batch only) [--moco-k].</summary>
    public int QueueSize { get; init; } = 8192;

    /// <summary>Width of the projection the contrast runs on (read by the stage) [--moco-dim].</summary>
    public int ProjectionDim { get; init; } = 128;

    /// <summary>PaCo's key encoder follows the online model by EMA with this momentum (read by the stage;
    /// GPaCo has no key encoder) [--moco-m].</summary>
    public double EncoderMomentum { get; init; } = 0.999;

    internal void Validate()
    {
        const string m = "GPaCo";
        ContrastiveInputs.Require(Alpha is >= 0 and < double.PositiveInfinity, m, nameof(Alpha), Alpha, "finite and ≥ 0");
        ContrastiveInputs.Require(Beta is >= 0 and < double.PositiveInfinity, m, nameof(Beta), Beta, "finite and ≥ 0");
        ContrastiveInputs.Require(Alpha + Beta > 0, m, nameof(Alpha) + " + " + nameof(Beta), Alpha + Beta, "> 0");
        ContrastiveInputs.Require(Gamma is >= 0 and < double.PositiveInfinity, m, nameof(Gamma), Gamma, "finite and ≥ 0");
        ContrastiveInputs.Require(Temperature is > 0 and < double.PositiveInfinity, m, nameof(Temperature), Temperature, "finite and > 0");
        ContrastiveInputs.Require(BaseTemperature is null or > 0 and < double.PositiveInfinity, m, nameof(BaseTemperature), BaseTemperature ?? 0,
            "finite and > 0");
        ContrastiveInputs.Require(SupervisedTemperature is > 0 and < double.PositiveInfinity, m, nameof(SupervisedTemperature), SupervisedTemperature,
            "finite and > 0");
        ContrastiveInputs.Require(Smoothing is >= 0 and < 1, m, nameof(Smoothing), Smoothing, "in [0, 1)");
        ContrastiveInputs.Require(QueueSize >= 0, m, nameof(QueueSize), QueueSize, "≥ 0");
        ContrastiveInputs.Require(ProjectionDim >= 1, m, nameof(ProjectionDim), ProjectionDim, "≥ 1");
        ContrastiveInputs.Require(EncoderMomentum is >= 0 and <= 1, m, nameof(EncoderMomentum), EncoderMomentum, "in [0, 1]");
    }
}
