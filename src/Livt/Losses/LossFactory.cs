namespace Livt.Losses;

/// <summary>Creates a long-tailed loss by name (the names the CLI and the recipes use).</summary>
public static class LossFactory
{
    private static readonly string[] AllNames =
        { "bal-bce", "bce", "ce", "ls-ce", "bal-ce", "cb-ce", "cb-bce", "ldam", "mislas", "lade", "focal", "iif" };

    /// <summary>Every name <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names => AllNames;

    /// <summary>The canonical name (<c>Bal_BCE</c> → <c>bal-bce</c>) of a known loss, or null.</summary>
    public static string? Canonical(string name)
    {
        var n = name.Trim().Replace('_', '-').ToLowerInvariant();
        return AllNames.Contains(n) ? n : null;
    }

    /// <summary>Creates the loss called <paramref name="name"/> (case-insensitive; the official code's
    /// spellings such as <c>Bal_BCE</c> are accepted too).</summary>
    /// <exception cref="LivtException">Unknown name (the message lists the known ones), an option out of
    /// range, or class counts no loss can use.</exception>
    public static LongTailLoss Create(string name, IReadOnlyList<long> classCounts, LossOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var o = options ?? new LossOptions();
        Validate(o);
        return Canonical(name) switch
        {
            "bal-bce" => new BinaryCrossEntropyLoss(classCounts, o.Tau, null, o.Smoothing),
            "bce" => new BinaryCrossEntropyLoss(classCounts, null, null, o.Smoothing),
            "cb-bce" => new BinaryCrossEntropyLoss(classCounts, null, o.Beta, o.Smoothing),
            "ce" => new SoftmaxCrossEntropyLoss(classCounts, null, 0.0, acceptsSoftTargets: true),
            "ls-ce" => new SoftmaxCrossEntropyLoss(classCounts, null, o.Smoothing, acceptsSoftTargets: false),
            "bal-ce" => new SoftmaxCrossEntropyLoss(classCounts, o.Tau, 0.0, acceptsSoftTargets: true),
            "cb-ce" => new ClassBalancedCrossEntropyLoss(classCounts, o.Beta),
            "ldam" => new LdamLoss(classCounts, o.LdamMaxMargin, o.LdamScale, o.DrwEpoch, o.Beta),
            "mislas" => new MislasLoss(classCounts, o.MislasSmoothHead, o.MislasSmoothTail),
            "lade" => new LadeLoss(classCounts, o.LadeRemineLambda),
            "focal" => new FocalLoss(classCounts, o.FocalGamma),
            "iif" => new IifLoss(classCounts, o.IifVariant, o.IifNorm),
            _ => throw new LivtException($"loss: unknown loss '{name}'; known losses: {string.Join(", ", AllNames)}"),
        };
    }

    private static void Validate(LossOptions o)
    {
        static void Require(bool ok, string key, double value, string range)
        {
            if (!ok) throw new LivtException($"loss option {key} = {value} is out of range; it must be {range}");
        }
        Require(double.IsFinite(o.Tau), nameof(o.Tau), o.Tau, "finite");
        Require(o.Smoothing is >= 0 and < 1, nameof(o.Smoothing), o.Smoothing, "in [0, 1)");
        Require(o.Beta is >= 0 and < 1, nameof(o.Beta), o.Beta, "in [0, 1)");
        Require(o.LdamMaxMargin is >= 0 and < double.PositiveInfinity, nameof(o.LdamMaxMargin), o.LdamMaxMargin, "finite and ≥ 0");
        Require(o.LdamScale is > 0 and < double.PositiveInfinity, nameof(o.LdamScale), o.LdamScale, "finite and > 0");
        Require(o.DrwEpoch is null or >= 0, nameof(o.DrwEpoch), o.DrwEpoch ?? 0, "≥ 0");
        Require(o.FocalGamma is >= 0 and < double.PositiveInfinity, nameof(o.FocalGamma), o.FocalGamma, "finite and ≥ 0");
        Require(o.MislasSmoothHead is >= 0 and < 1, nameof(o.MislasSmoothHead), o.MislasSmoothHead, "in [0, 1)");
        Require(o.MislasSmoothTail is >= 0 and < 1, nameof(o.MislasSmoothTail), o.MislasSmoothTail, "in [0, 1)");
        Require(o.LadeRemineLambda is >= 0 and < double.PositiveInfinity, nameof(o.LadeRemineLambda), o.LadeRemineLambda, "finite and ≥ 0");
        Require(o.IifNorm >= 0, nameof(o.IifNorm), o.IifNorm, "≥ 0");
        if (!InverseImageFrequency.Variants.Contains(o.IifVariant?.Trim().ToLowerInvariant()))
            throw new LivtException($"loss option IifVariant = '{o.IifVariant}' is unknown; known variants: {string.Join(", ", InverseImageFrequency.Variants)}");
    }
}
