using Livt.Data;

namespace Livt.Training;

/// <summary>
/// A second loader read in step with the trainer's: batch <c>k</c> of epoch <c>e</c> is asked for by its
/// position, and consecutive positions reuse one open epoch enumeration. A position past the loader's
/// epoch wraps to its start (the official CMO loop restarts an exhausted iterator). Since the loader's
/// batches are functions of (seed, epoch, position), a run resumed mid-epoch gets the same batches as an
/// uninterrupted one with no saved state: the first request after a resume opens the epoch at that
/// position (<see cref="DataLoader.Epoch"/> skips the batches before it).
/// </summary>
internal sealed class AlignedBatches(DataLoader loader) : IDisposable
{
    private IEnumerator<Batch>? _open;
    private int _epoch = -1, _next = -1;

    /// <summary>The loader read.</summary>
    public DataLoader Loader { get; } = loader;

    /// <summary>Batch <paramref name="index"/> (modulo the loader's batches per epoch) of <paramref name="epoch"/>;
    /// the caller disposes it.</summary>
    public Batch Take(int epoch, long index)
    {
        int k = (int)(index % Loader.BatchesPerEpoch);
        if (_open is null || _epoch != epoch || _next != k)
        {
            _open?.Dispose();
            _open = Loader.Epoch(epoch, k).GetEnumerator();
            _epoch = epoch;
        }
        if (!_open.MoveNext()) throw new InvalidOperationException($"the loader ended before batch {k} of epoch {epoch}");
        _next = k + 1;
        return _open.Current;
    }

    public void Dispose() => _open?.Dispose();
}
