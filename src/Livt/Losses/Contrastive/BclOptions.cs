namespace Livt.Losses.Contrastive;

/// <summary>
/// Hyper-parameters of BCL (Zhu et al., CVPR 2022). Defaults are the official <c>main.py</c>'s: CE weight
/// α 1, contrast weight β 0.35, temperature 0.07, logit adjustment τ 1, a 1024-d projection, a cosine
/// classifier with scale 30 (<c>--use_norm True</c>).
/// </summary>
public sealed record BclOptions
{
    /// <summary>Weight α of the logit-adjusted cross-entropy [--alpha].</summary>
    public double CeWeight { get; init; } = 1.0;

    /// <summary>Weight β of the balanced supervised contrastive term [--beta].</summary>
    public double ContrastWeight { get; init; } = 0.35;

    /// <summary>Temperature of the contrast [--temp].</summary>
    public double Temperature { get; init; } = 0.07;

    /// <summary>τ of the logit adjustment z + τ·log π in the CE branch (<c>LogitAdjust</c>).</summary>
    public double Tau { get; init; } = 1.0;

    /// <summary>Width of the projection and of the class centres (read by the model) [--feat_dim].</summary>
    public int ProjectionDim { get; init; } = 1024;

    /// <summary>Cosine classifier s·cos(x, w_c) instead of a linear one (read by the model) [--use_norm].</summary>
    public bool CosineClassifier { get; init; } = true;

    /// <summary>Scale s of the cosine classifier (<c>NormedLinear.s</c>).</summary>
    public double CosineScale { get; init; } = 30;

    internal void Validate()
    {
        const string m = "BCL";
        ContrastiveInputs.Require(CeWeight is >= 0 and < double.PositiveInfinity, m, nameof(CeWeight), CeWeight, "finite and ≥ 0");
        ContrastiveInputs.Require(ContrastWeight is >= 0 and < double.PositiveInfinity, m, nameof(ContrastWeight), ContrastWeight, "finite and ≥ 0");
        ContrastiveInputs.Require(Temperature is > 0 and < double.PositiveInfinity, m, nameof(Temperature), Temperature, "finite and > 0");
        ContrastiveInputs.Require(double.IsFinite(Tau), m, nameof(Tau), Tau, "finite");
        ContrastiveInputs.Require(ProjectionDim >= 1, m, nameof(ProjectionDim), ProjectionDim, "≥ 1");
        ContrastiveInputs.Require(CosineScale is > 0 and < double.PositiveInfinity, m, nameof(CosineScale), CosineScale, "finite and > 0");
    }
}
