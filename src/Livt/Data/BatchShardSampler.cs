namespace Livt.Data;

/// <summary>
/// One process's share of an evaluation: the dataset in order, cut into batches of
/// <c>batchSize</c>, and of those batches the ones numbered rank, rank + world, rank + 2·world, ….
/// Sharding whole batches (rather than samples, as <see cref="ShardedSampler"/> does) means every
/// batch is the very batch a single process would form, so each image's logits come out bit for bit
/// as in a single-process evaluation, and gathered back they give the same metrics to the last digit.
/// </summary>
public sealed class BatchShardSampler : ISampler
{
    private readonly int[] _indices;

    /// <param name="count">Samples in the dataset.</param>
    /// <param name="batchSize">The evaluation batch size (the same on every process).</param>
    /// <param name="rank">This process's rank.</param>
    /// <param name="worldSize">Processes in the job.</param>
    public BatchShardSampler(int count, int batchSize, int rank, int worldSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), $"world size must be at least 1, got {worldSize}");
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), $"rank {rank} is outside [0, {worldSize})");
        var indices = new List<int>();
        for (long start = (long)rank * batchSize; start < count; start += (long)worldSize * batchSize)
            for (long i = start; i < Math.Min(count, start + batchSize); i++) indices.Add((int)i);
        _indices = indices.ToArray();
    }

    /// <summary>The same indices every epoch (a copy).</summary>
    public int[] EpochIndices(int epoch) => (int[])_indices.Clone();
}
