namespace Livt.Data;

/// <summary>
/// One process's share of another sampler's epoch, for data-parallel training (PyTorch's
/// DistributedSampler): every process computes the same epoch order from (seed, epoch), pads it by
/// wrapping around to a multiple of the process count, and process r takes positions r, r + world,
/// r + 2·world, … — disjoint shards of equal length that together cover the epoch.
/// <para>
/// A sample keeps the augmentation it would get in a single-process run: <see cref="SeedPosition"/>
/// maps a position in the shard back to its position in the full epoch, which the loader seeds
/// per-sample randomness with.
/// </para>
/// </summary>
public sealed class ShardedSampler : ISampler
{
    private readonly ISampler _inner;

    /// <param name="inner">The sampler every process shares (same type and seed on every process).</param>
    /// <param name="rank">This process's rank.</param>
    /// <param name="worldSize">Processes in the job.</param>
    /// <param name="pad">Pad to equal shards (training: every process must take the same number of steps).
    /// Without padding the first epochLength mod world shards are one longer and no sample is seen twice
    /// (evaluation, where results are summed over processes).</param>
    public ShardedSampler(ISampler inner, int rank, int worldSize, bool pad = true)
    {
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), $"world size must be at least 1, got {worldSize}");
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"rank {rank} is outside [0, {worldSize})");
        _inner = inner;
        Rank = rank;
        WorldSize = worldSize;
        Pad = pad;
    }

    /// <summary>This process's rank.</summary>
    public int Rank { get; }

    /// <summary>Processes in the job.</summary>
    public int WorldSize { get; }

    /// <summary>Whether shards are padded to equal length.</summary>
    public bool Pad { get; }

    public int[] EpochIndices(int epoch)
    {
        int[] order = _inner.EpochIndices(epoch);
        int length = Pad
            ? (order.Length + WorldSize - 1) / WorldSize
            : (order.Length - Rank + WorldSize - 1) / WorldSize;
        if (order.Length == 0) return [];
        var shard = new int[length];
        for (int i = 0; i < length; i++) shard[i] = order[(Rank + (long)i * WorldSize) % order.Length];
        return shard;
    }

    /// <summary>The position in the full epoch of the shard's position <paramref name="position"/>.</summary>
    public int SeedPosition(int position) => Rank + position * WorldSize;
}
