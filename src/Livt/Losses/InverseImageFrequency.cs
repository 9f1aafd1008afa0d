namespace Livt.Losses;

/// <summary>
/// The per-class logit multipliers of IIF (Alexandridis et al., "Inverse Image Frequency for Long-tailed
/// Image Recognition", IEEE TIP 2023; kostas1515/iif, <c>classification/custom.py</c>). With n_c the
/// training images of class c, N = Σn and p_c = n_c/N, the official variants are:
/// <list type="table">
/// <item><term>raw</term><description>log(N / n_c)</description></item>
/// <item><term>smooth</term><description>log((N + 1) / (n_c + 1)) + 1</description></item>
/// <item><term>rel</term><description>log((N − n_c) / n_c)</description></item>
/// <item><term>normit</term><description>−Φ⁻¹(p_c) (scipy's <c>−ndtri</c>)</description></item>
/// <item><term>gombit</term><description>−log(−log(1 − p_c))</description></item>
/// <item><term>base2</term><description>log₂(N / n_c)</description></item>
/// <item><term>base10</term><description>log₁₀(N / n_c)</description></item>
/// </list>
/// With <c>iif_norm</c> p &gt; 0 the vector is divided by its p-norm. The classifier's logits are
/// multiplied by these values in training (inside softmax CE) and at evaluation.
/// </summary>
public static class InverseImageFrequency
{
    private static readonly string[] AllVariants = { "raw", "smooth", "rel", "normit", "gombit", "base2", "base10" };

    /// <summary>Every variant name, in the official code's order.</summary>
    public static IReadOnlyList<string> Variants => AllVariants;

    /// <summary>The multiplier of every class.</summary>
    /// <param name="classCounts">Training images per class (all ≥ 1).</param>
    /// <param name="variant">One of <see cref="Variants"/> (case-insensitive).</param>
    /// <param name="norm">p of the p-norm the vector is divided by; 0 leaves it unnormalised (official default).</param>
    /// <exception cref="LivtException">Unknown variant or a negative norm.</exception>
    public static double[] Weights(IReadOnlyList<long> classCounts, string variant, int norm = 0)
    {
        ArgumentNullException.ThrowIfNull(classCounts);
        ArgumentNullException.ThrowIfNull(variant);
        if (norm < 0) throw new LivtException($"loss option IifNorm = {norm} is out of range; it must be ≥ 0 (0: no normalisation)");
        double total = classCounts.Sum(n => (double)n);
        Func<double, double> f = variant.Trim().ToLowerInvariant() switch
        {
            "raw" => n => Math.Log(total / n),
            "smooth" => n => Math.Log((total + 1) / (n + 1)) + 1,
            "rel" => n => Math.Log((total - n) / n),
            "normit" => n => -NormalQuantile.Of(n / total),
            "gombit" => n => -Math.Log(-Math.Log(1 - n / total)),
            "base2" => n => Math.Log2(total / n),
            "base10" => n => Math.Log10(total / n),
            _ => throw new LivtException($"loss option IifVariant: unknown variant '{variant}'; known variants: {string.Join(", ", AllVariants)}"),
        };
        var w = classCounts.Select(n => f(n)).ToArray();
        if (norm > 0)
        {
            double length = Math.Pow(w.Sum(v => Math.Pow(Math.Abs(v), norm)), 1.0 / norm);
            for (int c = 0; c < w.Length; c++) w[c] /= length;
        }
        return w;
    }
}
