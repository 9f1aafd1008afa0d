namespace Livt.Data;

/// <summary>
/// Chooses which samples make up an epoch and in what order. Deterministic: the same epoch always
/// gives the same indices. The number of indices is the same for every epoch.
/// </summary>
public interface ISampler
{
    /// <summary>The dataset indices of epoch <paramref name="epoch"/>, in order.</summary>
    int[] EpochIndices(int epoch);
}
