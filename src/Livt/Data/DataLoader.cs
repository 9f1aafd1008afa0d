using Livt.Augmentation;

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
public sealed partial class DataLoader : IBatchSource
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
}
