using Livt.Runtime;

namespace Livt.Data;

public sealed partial class DataLoader
{
    /// <summary>One epoch's pipeline: worker threads, the batches under construction, and the
    /// permits that bound how far ahead of the consumer they may run.</summary>
    private sealed class EpochRun : IDisposable
    {
        private readonly int _first;
        private readonly bool _background;
        private readonly BatchBuilder?[] _builders;
        private readonly int _chunksPerBatch;
        private readonly int _totalItems;
        private readonly SemaphoreSlim _permits;
        private readonly CancellationTokenSource _cancel = new();
        private readonly Thread[] _threads;
        private int _nextItem;

        public EpochRun(DataLoader loader, int epoch, int[] order, int first, int end)
        {
            _first = first;
            _background = loader._options.BackgroundThreads;
            int batchSize = loader._options.BatchSize;
            // Chunks within a batch let every core work even when few batches may be in flight, and leave
            // the consumer unstarted chunks to build when it would otherwise wait.
            _chunksPerBatch = Math.Min(Math.Max(4, loader.Workers), batchSize);
            _builders = new BatchBuilder?[end - first];
            for (int k = first; k < end; k++)
            {
                int start = k * batchSize;
                _builders[k - first] = new BatchBuilder(loader, order, epoch, start, Math.Min(batchSize, order.Length - start), _chunksPerBatch);
            }
            _totalItems = _builders.Length * _chunksPerBatch;
            _permits = new SemaphoreSlim(loader._options.Prefetch * _chunksPerBatch);
            _threads = new Thread[loader.Workers];
            for (int w = 0; w < _threads.Length; w++)
            {
                _threads[w] = new Thread(Work) { IsBackground = true, Name = $"livt-loader-{w}" };
                _threads[w].Start();
            }
        }

        /// <summary>Waits for batch <paramref name="k"/>, rethrowing a worker's error; empty if all its images were
        /// skipped. Chunks of it that no worker has started yet are built here rather than waited for.</summary>
        public Batch Take(int k)
        {
            var builder = _builders[k - _first]!;
            while (!builder.Completion.Task.IsCompleted && TryRunItemOf(k - _first)) { }
            Batch batch = builder.Completion.Task.GetAwaiter().GetResult();
            _builders[k - _first] = null;
            _permits.Release(_chunksPerBatch);
            return batch;
        }

        private void Work()
        {
            if (_background) BackgroundPriority.LowerCurrentThread();
            var token = _cancel.Token;
            while (true)
            {
                try
                {
                    _permits.Wait(token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                int item = Interlocked.Increment(ref _nextItem) - 1;
                if (item >= _totalItems)
                {
                    _permits.Release();
                    return;
                }
                Run(item);
            }
        }

        /// <summary>Claims and builds the next unstarted chunk if it belongs to batch slot <paramref name="slot"/>.</summary>
        private bool TryRunItemOf(int slot)
        {
            if (!_permits.Wait(0)) return false;
            while (true)
            {
                int item = Volatile.Read(ref _nextItem);
                if (item >= _totalItems || item / _chunksPerBatch != slot)
                {
                    _permits.Release();
                    return false;
                }
                if (Interlocked.CompareExchange(ref _nextItem, item + 1, item) != item) continue;
                Run(item);
                return true;
            }
        }

        private void Run(int item)
        {
            // A batch is taken only once all its chunks are done, so a claimed chunk's builder is still there.
            var builder = _builders[item / _chunksPerBatch]!;
            int chunk = item % _chunksPerBatch;
            builder.Fill(chunk * builder.Size / _chunksPerBatch, (chunk + 1) * builder.Size / _chunksPerBatch, _cancel.Token);
            builder.ChunkDone();
        }

        public void Dispose()
        {
            _cancel.Cancel();
            foreach (var thread in _threads) thread.Join();
            foreach (var builder in _builders) builder?.Discard();
            _permits.Dispose();
            _cancel.Dispose();
        }
    }
}
