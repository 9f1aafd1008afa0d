namespace Livt.Losses;

/// <summary>Per-class quantities the losses derive from the training counts, in double precision.</summary>
internal static class ClassStatistics
{
    /// <summary>Class prior π_c = n_c / Σn.</summary>
    public static double[] Prior(IReadOnlyList<long> counts)
    {
        double total = counts.Sum(n => (double)n);
        return counts.Select(n => n / total).ToArray();
    }

    /// <summary>Class-balanced weights of Cui et al.: (1 − β)/(1 − β^n_c), normalised to sum to C.</summary>
    public static double[] EffectiveNumberWeights(IReadOnlyList<long> counts, double beta)
    {
        var w = counts.Select(n => (1.0 - beta) / (1.0 - Math.Pow(beta, n))).ToArray();
        double sum = w.Sum();
        return w.Select(x => x / sum * counts.Count).ToArray();
    }
}
