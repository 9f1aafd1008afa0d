namespace Livt.Data;

/// <summary>
/// Chooses which samples make up an epoch and in what order. Deterministic: the same epoch always
/// gives the same indices. The number of indices is the same for every epoch.
/// </summary>
public interface ISampler
{
    /// <summary>The dataset indices of epoch <paramref name="epoch"/>, in order.</summary>
    int[] EpochIndices(int epoch);

    /// <summary>
    /// The position whose seed the loader gives the per-sample transform of the sample at
    /// <paramref name="position"/> of an epoch: the position itself, except for a shard of a larger epoch
    /// (<see cref="ShardedSampler"/>), which maps it back into the full epoch.
    /// </summary>
    int SeedPosition(int position) => position;
}
