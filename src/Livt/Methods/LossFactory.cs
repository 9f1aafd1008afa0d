using Livt.Losses;

namespace Livt.Methods;

/// <summary>Creates a long-tailed loss by name (the names the CLI and the recipes use).</summary>
public static class LossFactory
{
    /// <summary>Every name <see cref="Create"/> accepts: the losses on one head of <see cref="LongTailMethods"/>.</summary>
    public static IReadOnlyList<string> Names => LongTailMethods.OfKind(MethodKind.Loss).Select(m => m.Name).ToArray();

    /// <summary>Creates the loss called <paramref name="name"/> (case-insensitive; the official code's
    /// spellings such as <c>Bal_BCE</c> are accepted too); <paramref name="own"/> is its options record when
    /// it has one (its defaults when null).</summary>
    /// <exception cref="LivtException">Unknown name (the message lists the known ones), an option out of
    /// range, or class counts no loss can use.</exception>
    public static LongTailLoss Create(string name, IReadOnlyList<long> classCounts, LossOptions? options = null, object? own = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var o = options ?? new LossOptions();
        Validate(o);
        return LongTailMethods.Find(name) is LossMethod method
            ? method.Create(classCounts, o, own)
            : throw new LivtException($"loss: unknown loss '{name}'; known losses: {string.Join(", ", Names)}");
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
            throw new LivtException($"loss option IifVariant = '{o.IifVariant}' is unknown; known variants: " +
                $"{string.Join(", ", InverseImageFrequency.Variants)}");
    }
}
