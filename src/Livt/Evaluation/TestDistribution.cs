using System.Globalization;

namespace Livt.Evaluation;

/// <summary>Which way a test label distribution is skewed relative to the training one.</summary>
public enum TestSkew
{
    /// <summary>The same order as training: the most frequent training class is the most frequent test class.</summary>
    Forward,

    /// <summary>Every class equally often.</summary>
    Uniform,

    /// <summary>The reverse order: the rarest training class is the most frequent test class.</summary>
    Backward,
}

/// <summary>
/// One test label distribution of the test-agnostic protocol (Zhang et al., "Self-Supervised Aggregation
/// of Diverse Experts for Test-Agnostic Long-Tailed Recognition", NeurIPS 2022; Vanint/SADE-AgnosticLT):
/// forward-LT, uniform or backward-LT, with an imbalance factor. Named as SADE names its splits:
/// <c>forward50</c>, <c>uniform</c>, <c>backward2</c>.
/// </summary>
public sealed record TestDistribution
{
    private TestDistribution(TestSkew skew, double imbalance)
    {
        Skew = skew;
        Imbalance = imbalance;
    }

    /// <summary>Forward, uniform or backward.</summary>
    public TestSkew Skew { get; }

    /// <summary>Imbalance factor n_max / n_min of the test split (1 for uniform).</summary>
    public double Imbalance { get; }

    /// <summary>SADE's name of the split: <c>forward50</c>, <c>uniform</c>, <c>backward2</c>, …</summary>
    public string Name => Skew == TestSkew.Uniform
        ? "uniform"
        : (Skew == TestSkew.Forward ? "forward" : "backward") + Imbalance.ToString("G", CultureInfo.InvariantCulture);

    /// <summary>The uniform distribution: the balanced test set itself.</summary>
    public static TestDistribution Uniform { get; } = new(TestSkew.Uniform, 1);

    /// <summary>A forward long tail of imbalance factor <paramref name="imbalance"/> (&gt; 1).</summary>
    public static TestDistribution Forward(double imbalance) => new(TestSkew.Forward, CheckImbalance(imbalance));

    /// <summary>A backward long tail of imbalance factor <paramref name="imbalance"/> (&gt; 1).</summary>
    public static TestDistribution Backward(double imbalance) => new(TestSkew.Backward, CheckImbalance(imbalance));

    /// <summary>SADE's eleven splits for CIFAR-100-LT, ImageNet-LT and Places-LT, in its order:
    /// forward 50, 25, 10, 5, 2, uniform, backward 2, 5, 10, 25, 50.</summary>
    public static IReadOnlyList<TestDistribution> Standard { get; } =
        new[] { 50.0, 25, 10, 5, 2 }.Select(Forward)
            .Append(Uniform)
            .Concat(new[] { 2.0, 5, 10, 25, 50 }.Select(Backward))
            .ToArray();

    /// <summary>Parses one name (<c>forward50</c>, <c>uniform</c>, <c>backward2.5</c>; case-insensitive).</summary>
    /// <exception cref="LivtException">Not a known form, or an imbalance factor that is not &gt; 1.</exception>
    public static TestDistribution Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name.Trim().ToLowerInvariant();
        if (n == "uniform") return Uniform;
        foreach (var (prefix, skew) in new[] { ("forward", TestSkew.Forward), ("backward", TestSkew.Backward) })
        {
            if (!n.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (double.TryParse(n[prefix.Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var imbalance)
                && double.IsFinite(imbalance) && imbalance > 1)
                return new TestDistribution(skew, imbalance);
            throw new LivtException($"test distribution '{name}': the imbalance factor after '{prefix}' must be a number > 1 (e.g. {prefix}50)");
        }
        throw new LivtException($"test distribution '{name}' is not known: use forward<IF>, uniform or backward<IF> (e.g. " +
            "forward50,uniform,backward50), or 'all'");
    }

    /// <summary>Parses <c>all</c> (<see cref="Standard"/>) or a comma-separated list of names; duplicates
    /// are dropped, the order is kept.</summary>
    /// <exception cref="LivtException">An empty list or an unknown name.</exception>
    public static IReadOnlyList<TestDistribution> ParseList(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return Standard;
        var parts = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
            throw new LivtException("test distributions: the list is empty; give 'all' or names such as forward50,uniform,backward50");
        return parts.Select(Parse).Distinct().ToArray();
    }

    /// <summary>
    /// Test images per class, as SADE builds its splits: with n the images per class of the balanced test
    /// set and classes ranked by training count (rank 0 = most training images; ties by class index), the
    /// class of rank r keeps ⌊n·(1/IF)^(r/(C−1))⌋ images in a forward split and ⌊n·(1/IF)^((C−1−r)/(C−1))⌋
    /// in a backward split (SADE's <c>get_img_num_per_cls</c> with <c>reverse</c>); uniform keeps n.
    /// </summary>
    /// <param name="trainCounts">Training images per class (the ranking).</param>
    /// <param name="perClass">n: images per class available in the test set.</param>
    /// <exception cref="LivtException">The factor leaves a class with no image (n too small).</exception>
    public int[] Counts(IReadOnlyList<long> trainCounts, int perClass)
    {
        ArgumentNullException.ThrowIfNull(trainCounts);
        int c = trainCounts.Count;
        if (Skew == TestSkew.Uniform) return Enumerable.Repeat(perClass, c).ToArray();
        int[] byRank;
        try
        {
            byRank = Data.LongTail.Counts(perClass, c, Imbalance, Data.LongTailProfile.Exp);
        }
        catch (LivtException e)
        {
            throw new LivtException($"test distribution {Name}: {e.Message} (the test set has {perClass} images per class)", e);
        }
        var ranking = Enumerable.Range(0, c).OrderByDescending(k => trainCounts[k]).ThenBy(k => k).ToArray();
        var counts = new int[c];
        for (int r = 0; r < c; r++)
            counts[ranking[r]] = byRank[Skew == TestSkew.Forward ? r : c - 1 - r];
        return counts;
    }

    private static double CheckImbalance(double imbalance) =>
        double.IsFinite(imbalance) && imbalance > 1
            ? imbalance
            : throw new LivtException($"test distribution: imbalance factor {imbalance} must be a finite number > 1");

    /// <inheritdoc/>
    public override string ToString() => Name;
}
