namespace Livt.Methods.VectorScaling;

/// <summary>The settings of <c>--loss vs</c>; its flags are refused with any other loss.</summary>
public sealed record VsOptions
{
    /// <summary>γ of the multiplicative adjustment Δ_c = (n_c / n_max)^γ.</summary>
    [Setting("vs: gamma of the multiplicative logit scale (n_c / n_max)^gamma (official 0.3; 0 leaves the logits unscaled)", FinetuneOnly = true)]
    public double VsGamma { get; init; } = 0.3;

    /// <summary>τ of the additive adjustment ι_c = τ·log π_c.</summary>
    [Setting("vs: tau of the additive logit adjustment tau * log prior (official 1; 0 with gamma 0 is plain CE)", FinetuneOnly = true)]
    public double VsTau { get; init; } = 1.0;
}
