using Livt.Augmentation;
using Livt.Runtime;

namespace Livt.Data;

/// <summary>
/// Turns a dataset into batches: background threads decode and transform samples straight into
/// each batch's tensor, a bounded number of batches ahead of the consumer.
/// <para>
/// Deterministic: the sample order comes from the sampler, and the transform of the sample at
/// position p of epoch e gets <c>new Random(mix(Seed, e, p))</c>, so a seed gives identical tensors
/// whatever the worker count or timing, and a resumed epoch (<c>skipBatches</c>) continues exactly.
/// </para>
/// <para>
/// Never in the step's way: on a machine whose cores all run libtorch the workers are few and run at
/// background priority, taking only the CPU time compute leaves (there is plenty: many ops of a step run
/// on one thread); and a consumer that would wait for a batch builds its unstarted chunks itself, at
/// normal priority, so a starved worker never stalls training.
/// </para>
/// <para>
/// With a <see cref="MultiViewTransform"/> each sample becomes V independently augmented views, drawn
/// from that same per-sample generator, and a batch holds them as [N, V, C, H, W] (<see cref="Batch.Views"/>).
/// </para>
/// </summary>
public sealed class DataLoader
{
    private readonly IImageDataset _dataset;
    private readonly IImageTransform? _transform;
    private readonly MultiViewTransform? _multiView;
    private readonly LoaderOptions _options;
    private readonly ISampler _sampler;
    private readonly int _epochLength;
    private long _skipped;

    /// <summary>Creates a loader; <paramref name="transform"/> (may be null) runs on every sample.</summary>
    public DataLoader(IImageDataset dataset, IImageTransform? transform, LoaderOptions options) : this(dataset, transform, null, options) { }

    private DataLoader(IImageDataset dataset, IImageTransform? transform, MultiViewTransform? multiView, LoaderOptions options)
    {
        if (options.BatchSize <= 0) throw new LivtException($"batch size must be positive, got {options.BatchSize}");
        if (options.Prefetch <= 0) throw new LivtException($"prefetch must be positive, got {options.Prefetch}");
        if (options.Workers < 0) throw new LivtException($"worker count must be 0 (all cores) or positive, got {options.Workers}");
        _dataset = dataset;
        _transform = transform;
        _multiView = multiView;
        _options = options;
        _sampler = options.Sampler ?? new UniformSampler(dataset, options.Seed, options.Shuffle);
        _epochLength = _sampler.EpochIndices(0).Length;
        Workers = options.Workers == 0 ? DefaultWorkers(Environment.ProcessorCount, TorchSharp.torch.get_num_threads()) : options.Workers;
    }

    /// <summary>Loader threads when none are asked for: the cores libtorch's <paramref name="computeThreads"/>
    /// leave free, or half the cores (at least one) when compute takes them all.</summary>
    public static int DefaultWorkers(int cores, int computeThreads) =>
        cores > computeThreads ? cores - computeThreads : Math.Max(1, cores / 2);

    /// <summary>A loader whose batches carry <paramref name="views"/>.Count views of every sample.</summary>
    public static DataLoader MultiView(IImageDataset dataset, MultiViewTransform views, LoaderOptions options) =>
        new(dataset, null, views ?? throw new ArgumentNullException(nameof(views)), options);

    /// <summary>Views per sample: 1, or the multi-view transform's count.</summary>
    public int ViewCount => _multiView?.Count ?? 1;

    /// <summary>Batches in every epoch.</summary>
    public int BatchesPerEpoch => _options.DropLast
        ? _epochLength / _options.BatchSize
        : (_epochLength + _options.BatchSize - 1) / _options.BatchSize;

    /// <summary>Samples in every epoch (before batching).</summary>
    public int SamplesPerEpoch => _epochLength;

    /// <summary>Threads that decode and transform.</summary>
    public int Workers { get; }

    /// <summary>Unreadable images skipped so far (with <see cref="LoaderOptions.SkipCorrupt"/>).</summary>
    public long SkippedImages => Interlocked.Read(ref _skipped);

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, starting after the first
    /// <paramref name="skipBatches"/> (a resumed run continues mid-epoch with the same batches it
    /// would have seen). The caller disposes every batch. A batch whose images were all skipped as
    /// unreadable comes as an empty batch (no rows) rather than not at all: an epoch always has
    /// <see cref="BatchesPerEpoch"/> batches, so every process of a data-parallel job takes the same
    /// steps, and a step count is a batch position to resume from. Abandoning the enumeration stops the
    /// workers and frees pending batches.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0)
    {
        if (skipBatches < 0 || skipBatches > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(skipBatches), $"{skipBatches} is outside [0, {BatchesPerEpoch}]");
        int[] order = _sampler.EpochIndices(epoch);
        if (order.Length != _epochLength)
            throw new InvalidOperationException($"the sampler gave {order.Length} indices for epoch {epoch}, not {_epochLength}");
        return Enumerate(epoch, order, skipBatches);
    }

    private IEnumerable<Batch> Enumerate(int epoch, int[] order, int first)
    {
        int end = BatchesPerEpoch;
        if (first >= end) yield break;
        using var run = new EpochRun(this, epoch, order, first, end);
        for (int k = first; k < end; k++) yield return run.Take(k);
    }

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

    /// <summary>One batch being filled by several chunks, possibly on different threads.</summary>
    private sealed class BatchBuilder
    {
        private readonly DataLoader _loader;
        private readonly int[] _order;
        private readonly int _epoch;
        private readonly int _start;
        private readonly bool[] _skipped;
        private readonly object _gate = new();
        private TorchSharp.torch.Tensor? _images;
        private IntPtr _data;
        private int _channels, _height, _width;
        private readonly int _views;
        private int _pendingChunks;
        private Exception? _error;

        public BatchBuilder(DataLoader loader, int[] order, int epoch, int start, int size, int chunks)
        {
            _loader = loader;
            _order = order;
            _epoch = epoch;
            _start = start;
            Size = size;
            _skipped = new bool[size];
            _pendingChunks = chunks;
            _views = loader.ViewCount;
        }

        public int Size { get; }

        public TaskCompletionSource<Batch> Completion { get; } = new();

        public void Fill(int from, int to, CancellationToken token)
        {
            for (int p = from; p < to && _error is null; p++)
            {
                if (token.IsCancellationRequested)
                {
                    lock (_gate) _error ??= new OperationCanceledException(token);
                    return;
                }
                int index = _order[_start + p];
                try
                {
                    Image image = _loader._dataset.GetImage(index);
                    if (_loader._multiView is { } multiView)
                    {
                        var views = multiView.Apply(image, new Random(SeedMixer.Mix(_loader._options.Seed, _epoch, _loader._sampler.SeedPosition(_start + p))));
                        for (int v = 0; v < views.Length; v++) Write(p, v, views[v], index);
                        continue;
                    }
                    if (_loader._transform is { } transform)
                        image = transform.Apply(image, new Random(SeedMixer.Mix(_loader._options.Seed, _epoch, _loader._sampler.SeedPosition(_start + p))));
                    Write(p, 0, image, index);
                }
                catch (CorruptImageException) when (_loader._options.SkipCorrupt)
                {
                    _skipped[p] = true;
                    Interlocked.Increment(ref _loader._skipped);
                }
                catch (Exception e)
                {
                    lock (_gate) _error ??= e;
                }
            }
        }

        private unsafe void Write(int position, int view, Image image, int index)
        {
            lock (_gate)
            {
                if (_images is null)
                {
                    (_channels, _height, _width) = (image.Channels, image.Height, image.Width);
                    // Made on a loader thread, outside any dispose scope: the Batch owns it.
                    long[] shape = _views == 1 ? [Size, _channels, _height, _width] : [Size, _views, _channels, _height, _width];
                    _images = TorchSharp.torch.empty(shape, TorchSharp.torch.ScalarType.Float32);
                    _data = (IntPtr)System.Runtime.CompilerServices.Unsafe.AsPointer(
                        ref System.Runtime.InteropServices.MemoryMarshal.GetReference(_images.bytes));
                }
                else if ((image.Channels, image.Height, image.Width) != (_channels, _height, _width))
                {
                    throw new LivtException($"{_loader._dataset.Describe(index)}: image is {image.Channels}x{image.Height}x{image.Width} " +
                        $"after the transform but its batch holds {_channels}x{_height}x{_width} images; add a resize or crop transform");
                }
            }
            int size = _channels * _height * _width;
            image.Pixels.AsSpan().CopyTo(new Span<float>((float*)_data + ((long)position * _views + view) * size, size));
        }

        public void ChunkDone()
        {
            if (Interlocked.Decrement(ref _pendingChunks) != 0) return;
            if (_error is not null)
            {
                _images?.Dispose();
                Completion.SetException(_error);
                return;
            }
            try
            {
                Completion.SetResult(Build());
            }
            catch (Exception e)
            {
                _images?.Dispose();
                Completion.SetException(e);
            }
        }

        private unsafe Batch Build()
        {
            var kept = new List<int>(Size);
            for (int p = 0; p < Size; p++) if (!_skipped[p]) kept.Add(p);
            if (kept.Count == 0)
            {
                // No image was decoded, so the image size may be unknown (then 0 x 0 x 0).
                _images?.Dispose();
                return new Batch(TorchSharp.torch.empty([0, _channels, _height, _width]), TorchSharp.torch.empty([0], TorchSharp.torch.ScalarType.Int64), [],
                    Size);
            }
            var images = _images!;
            if (kept.Count < Size)
            {
                // Close the gaps left by skipped images, then keep a view of the filled rows.
                int size = _views * _channels * _height * _width;
                float* data = (float*)_data;
                for (int row = 0; row < kept.Count; row++)
                    if (kept[row] != row)
                        new Span<float>(data + (long)kept[row] * size, size).CopyTo(new Span<float>(data + (long)row * size, size));
                images = _images!.narrow(0, 0, kept.Count);
                _images.Dispose();
            }
            var indices = new int[kept.Count];
            var labels = new long[kept.Count];
            for (int i = 0; i < kept.Count; i++)
            {
                indices[i] = _order[_start + kept[i]];
                labels[i] = _loader._dataset.GetLabel(indices[i]);
            }
            return new Batch(images, TorchSharp.torch.tensor(labels, [labels.Length]), indices, Size - kept.Count);
        }

        /// <summary>Frees a batch that was built or begun but never taken.</summary>
        public void Discard()
        {
            if (Completion.Task.IsCompletedSuccessfully) Completion.Task.Result?.Dispose();
            else if (!Completion.Task.IsCompleted) _images?.Dispose();
        }
    }
}
