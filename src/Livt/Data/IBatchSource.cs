namespace Livt.Data;

/// <summary>
/// What the training loop reads batches from: a fixed number of batches per epoch, each epoch
/// resumable after any number of them. <see cref="DataLoader"/> decodes and augments images;
/// a second stage's batches are rows of features computed once.
/// </summary>
public interface IBatchSource
{
    /// <summary>Batches in every epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>Samples left out so far because they could not be read.</summary>
    long SkippedImages { get; }

    /// <summary>The batches of epoch <paramref name="epoch"/>, starting after the first
    /// <paramref name="skipBatches"/>; the caller disposes every batch.</summary>
    IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0);
}
