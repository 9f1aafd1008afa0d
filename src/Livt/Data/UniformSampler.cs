namespace Livt.Data;

/// <summary>Instance-balanced sampling: every sample once per epoch, shuffled by (seed, epoch) or in order.</summary>
public sealed class UniformSampler : ISampler
{
    private readonly int _count;
    private readonly bool _shuffle;
    private readonly int _seed;

    /// <summary>Samples the <paramref name="count"/> indices 0..count−1.</summary>
    public UniformSampler(int count, int seed, bool shuffle = true)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        _count = count;
        _seed = seed;
        _shuffle = shuffle;
    }

    /// <summary>Samples every index of <paramref name="dataset"/>.</summary>
    public UniformSampler(IImageDataset dataset, int seed, bool shuffle = true) : this(dataset.Count, seed, shuffle) { }

    public int[] EpochIndices(int epoch)
    {
        var indices = new int[_count];
        for (int i = 0; i < indices.Length; i++) indices[i] = i;
        if (_shuffle) SeedMixer.Shuffle(indices, new Random(SeedMixer.Mix(_seed, epoch)));
        return indices;
    }
}
