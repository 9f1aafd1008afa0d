using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Livt.Engine;

namespace Livt.Distributed;

/// <summary>
/// Averages the gradients of a fixed parameter list over the processes of a job, as
/// DistributedDataParallel does after backward: the gradients are copied into a few flat buckets (25 MB
/// each by default, DDP's bucket_cap_mb), one all-reduce per bucket rather than one per tensor, divided
/// by the world size and copied back. Call once per optimizer step, after the last backward of the
/// accumulation (and after MixedPrecision.PullGrads), before clipping and the optimizer step.
/// <para>
/// A parameter whose gradient is null on some processes (a branch one process did not use) counts as a
/// zero gradient there, as in DDP with unused parameters, and every process ends up with the same
/// gradient, so their optimizers stay in step. A parameter without a gradient on every process keeps none.
/// </para>
/// The buckets are kept between calls: the synchronizer holds one extra copy of the gradients' memory.
/// </summary>
public sealed class GradientSynchronizer : IDisposable
{
    /// <summary>DDP's default bucket size, 25 MB.</summary>
    public const long DefaultBucketBytes = 25L * 1024 * 1024;

    private readonly IProcessGroup _group;
    private readonly Bucket[] _buckets;

    /// <summary>
    /// Prepares buckets for the float32/float64 <paramref name="parameters"/> that require a gradient
    /// (frozen ones are skipped), grouped by dtype and device, in order, each bucket at most
    /// <paramref name="bucketBytes"/> unless a single parameter is larger.
    /// </summary>
    public GradientSynchronizer(IProcessGroup group, IEnumerable<Parameter> parameters, long bucketBytes = DefaultBucketBytes)
    {
        if (bucketBytes <= 0) throw new LivtException($"the gradient bucket size must be positive, got {bucketBytes} bytes");
        _group = group;
        var trainable = parameters.Where(p => p.requires_grad).ToArray();
        foreach (var p in trainable)
            if (p.dtype is not (ScalarType.Float32 or ScalarType.Float64))
                throw new ArgumentException($"gradient averaging supports float32 and float64 parameters, not {p.dtype} (keep fp32 master weights)", nameof(parameters));
        _buckets = group.WorldSize == 1 ? [] : Plan(trainable, bucketBytes).Select(members => new Bucket(members)).ToArray();
        ParameterCount = trainable.Length;
    }

    /// <summary>Parameters whose gradients are averaged.</summary>
    public int ParameterCount { get; }

    /// <summary>All-reduces per call (0 in a single process).</summary>
    public int BucketCount => _buckets.Length;

    /// <summary>Replaces every gradient by its mean over the processes.</summary>
    public void AverageGradients()
    {
        if (_group.WorldSize == 1) return;
        using var noGrad = torch.no_grad();
        foreach (var bucket in _buckets) bucket.Average(_group);
    }

    /// <summary>
    /// Copies <paramref name="module"/>'s parameters and buffers from rank <paramref name="root"/> to every
    /// process, so all start from the same weights (DDP does this when it wraps a model). One broadcast
    /// per tensor: it runs once, before training.
    /// </summary>
    public static void BroadcastParameters(IProcessGroup group, nn.Module module, int root = 0)
    {
        if (group.WorldSize == 1) return;
        using var noGrad = torch.no_grad();
        foreach (var (_, parameter) in module.named_parameters()) group.Broadcast(parameter, root);
        foreach (var (_, buffer) in module.named_buffers()) group.Broadcast(buffer, root);
    }

    /// <summary>Frees the buckets.</summary>
    public void Dispose()
    {
        foreach (var bucket in _buckets) bucket.Dispose();
    }

    /// <summary>Splits parameters into buckets: same dtype and device, in order, up to <paramref name="bucketBytes"/>.</summary>
    internal static List<Parameter[]> Plan(IEnumerable<Parameter> parameters, long bucketBytes)
    {
        var buckets = new List<Parameter[]>();
        foreach (var kind in parameters.GroupBy(p => (p.dtype, p.device.ToString())))
        {
            var current = new List<Parameter>();
            long bytes = 0;
            foreach (var p in kind)
            {
                long size = p.NumberOfElements * p.ElementSize;
                if (current.Count > 0 && bytes + size > bucketBytes)
                {
                    buckets.Add([.. current]);
                    current.Clear();
                    bytes = 0;
                }
                current.Add(p);
                bytes += size;
            }
            if (current.Count > 0) buckets.Add([.. current]);
        }
        return buckets;
    }

    /// <summary>
    /// One flat buffer: the members' gradients back to back, then one presence flag per member (1 where
    /// this process has a gradient), so a single all-reduce also counts the processes that had one.
    /// </summary>
    private sealed class Bucket : IDisposable
    {
        private readonly Parameter[] _members;
        private readonly long[] _offsets;
        private readonly long _total;
        private readonly Tensor _buffer;

        public Bucket(Parameter[] members)
        {
            _members = members;
            _offsets = new long[members.Length];
            for (int i = 1; i < members.Length; i++) _offsets[i] = _offsets[i - 1] + members[i - 1].NumberOfElements;
            _total = _offsets[^1] + members[^1].NumberOfElements;
            _buffer = torch.empty(_total + members.Length, members[0].dtype, members[0].device).DetachFromDisposeScope();
        }

        public void Average(IProcessGroup group)
        {
            using var scope = torch.NewDisposeScope();
            var present = new bool[_members.Length];
            var flags = _buffer.narrow(0, _total, _members.Length);
            for (int i = 0; i < _members.Length; i++)
            {
                var slot = Slot(i);
                var grad = _members[i].grad;
                present[i] = grad is not null;
                if (grad is null) slot.zero_();
                else slot.copy_(grad);
            }
            flags.copy_(torch.tensor(present.Select(p => p ? 1f : 0f).ToArray()));
            group.AllReduce(_buffer);
            // Held for the call: a temporary Scalar can be finalized while libtorch still reads it.
            using var world = ((double)group.WorldSize).ToScalar();
            _buffer.narrow(0, 0, _total).div_(world);
            float[] holders = flags.to(ScalarType.Float32).cpu().data<float>().ToArray();
            for (int i = 0; i < _members.Length; i++)
            {
                if (holders[i] == 0) continue; // no process had a gradient: leave it null everywhere
                if (present[i]) _members[i].grad!.copy_(Slot(i));
                else _members[i].grad = Slot(i).clone(); // the parameter keeps its own reference
            }
        }

        /// <summary>Member <paramref name="i"/>'s place in the buffer, shaped like the parameter.</summary>
        private Tensor Slot(int i) => _buffer.narrow(0, _offsets[i], _members[i].NumberOfElements).view(_members[i].shape);

        public void Dispose() => _buffer.Dispose();
    }
}
