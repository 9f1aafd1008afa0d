namespace Livt.Data;

/// <summary>
/// CMO's minority-weighted sampler (naver-ai/cmo, <c>get_weighted_sampler</c>): each sample is weighted by
/// its class's w_c = n_c^(−α) (normalised to Σ_c w_c = C, which does not change the draw) and an epoch is
/// as many independent draws, with replacement, as the dataset has samples — PyTorch's
/// <c>WeightedRandomSampler(weights, len(dataset), replacement=True)</c>. A class is therefore drawn with
/// probability ∝ n_c^(1−α): α = 1 (official default) is class-balanced in expectation, α = 0 is the
/// instance-balanced distribution. The draws are a function of (seed, epoch).
/// </summary>
public sealed class MinorityWeightedSampler : ISampler
{
    private readonly int[][] _byClass;
    private readonly double[] _cumulative;
    private readonly int _count;
    private readonly int _seed;

    /// <param name="labels">Label of every sample.</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="alpha">Exponent α of w_c = n_c^(−α) (official <c>--weighted_alpha</c>, default 1).</param>
    /// <exception cref="LivtException">An empty dataset, a negative label or a non-finite α.</exception>
    public MinorityWeightedSampler(IReadOnlyList<int> labels, int seed, double alpha = 1.0)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!double.IsFinite(alpha)) throw new LivtException($"CMO weighted-sampler alpha must be finite, got {alpha}");
        _byClass = ClassAwareSampler.IndicesByClass(labels);
        int numClasses = _byClass.Length;
        var weights = _byClass.Select(l => l.Length == 0 ? 0 : Math.Pow(l.Length, -alpha)).ToArray();
        double sum = weights.Sum();
        ClassWeights = weights.Select(w => w / sum * numClasses).ToArray();
        _cumulative = new double[numClasses];
        double total = 0;
        for (int c = 0; c < numClasses; c++)
        {
            total += _byClass[c].Length * ClassWeights[c];
            _cumulative[c] = total;
        }
        _count = labels.Count;
        _seed = seed;
    }

    /// <param name="dataset">The dataset (its labels).</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="alpha">Exponent α of w_c = n_c^(−α).</param>
    public MinorityWeightedSampler(IImageDataset dataset, int seed, double alpha = 1.0)
        : this(ClassAwareSampler.LabelsOf(dataset), seed, alpha) { }

    /// <summary>The weight w_c of a sample of class c, normalised to sum to C over the classes
    /// (0 for a class without samples).</summary>
    public IReadOnlyList<double> ClassWeights { get; }

    public int[] EpochIndices(int epoch)
    {
        var rng = new Random(SeedMixer.Mix(_seed, epoch));
        double total = _cumulative[^1];
        var indices = new int[_count];
        for (int i = 0; i < _count; i++)
        {
            // A weighted draw of a sample = a draw of its class ∝ n_c·w_c, then a uniform sample of it.
            int c = Array.BinarySearch(_cumulative, rng.NextDouble() * total);
            c = c < 0 ? ~c : c + 1;
            while (c >= _byClass.Length || _byClass[c].Length == 0) c = c >= _byClass.Length ? 0 : c + 1;
            indices[i] = _byClass[c][rng.Next(_byClass[c].Length)];
        }
        return indices;
    }
}
