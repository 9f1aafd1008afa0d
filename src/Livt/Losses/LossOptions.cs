namespace Livt.Losses;

/// <summary>Hyper-parameters of the long-tailed losses. Each loss reads only the ones it uses; the
/// defaults are the official LiVT code's.</summary>
public sealed record LossOptions
{
    /// <summary>Strength τ of the prior margin in Bal-BCE (τ·(log π − log(1−π))) and Bal-CE (τ·log π).
    /// LiVT uses 1 (Places-LT 1.05).</summary>
    public double Tau { get; init; } = 1.0;

    /// <summary>Label smoothing applied when hard labels are turned into targets, by the BCE family
    /// (as the official code does) and by <c>ls-ce</c>. Soft targets arrive already smoothed.</summary>
    public double Smoothing { get; init; } = 0.0;

    /// <summary>β of the effective number of samples (1 − βⁿ)/(1 − β) behind the class-balanced weights
    /// (<c>cb-ce</c>, <c>cb-bce</c>, LDAM's deferred re-weighting).</summary>
    public double Beta { get; init; } = 0.9999;

    /// <summary>LDAM's largest margin, the one of the rarest class; margins are ∝ n^(−1/4).</summary>
    public double LdamMaxMargin { get; init; } = 0.5;

    /// <summary>LDAM's logit scale s.</summary>
    public double LdamScale { get; init; } = 30;

    /// <summary>First epoch of LDAM's deferred re-weighting (DRW); null keeps LDAM unweighted, as the
    /// official LiVT code does.</summary>
    public int? DrwEpoch { get; init; }

    /// <summary>Focal loss exponent γ (0 gives cross-entropy).</summary>
    public double FocalGamma { get; init; } = 2.0;

    /// <summary>MiSLAS label smoothing of the most frequent class (official 0.3).</summary>
    public double MislasSmoothHead { get; init; } = 0.3;

    /// <summary>MiSLAS label smoothing of the rarest class (official 0.0).</summary>
    public double MislasSmoothTail { get; init; } = 0.0;

    /// <summary>LADE's ReMINE regulariser weight λ (official 0.1).</summary>
    public double LadeRemineLambda { get; init; } = 0.1;

    /// <summary>IIF variant (<see cref="InverseImageFrequency.Variants"/>): raw, smooth, rel, normit, gombit,
    /// base2, base10. The official default is raw; its recipes use smooth.</summary>
    public string IifVariant { get; init; } = "raw";

    /// <summary>p of the p-norm the IIF vector is divided by; 0 (official default) leaves it as is.</summary>
    public int IifNorm { get; init; }
}
