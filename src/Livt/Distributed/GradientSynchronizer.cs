using Livt.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Distributed;

/// <summary>
/// Averages the gradients of a <see cref="ParameterStore"/> over the processes of a job, as
/// DistributedDataParallel does after backward with <c>gradient_as_bucket_view</c>: the gradients already lie
/// back to back in the store's gradient buffers, so each buffer is all-reduced in place, in pieces of at most
/// <see cref="BucketBytes"/> (DDP's bucket_cap_mb), and divided by the number of processes. Nothing is copied.
/// Call once per optimizer step, after the last backward of the accumulation (and after
/// MixedPrecision.PullGrads), before clipping and the optimizer step.
/// <para>
/// The gradients are never null in a store: a parameter a process did not use in this step contributes a
/// zero gradient there, as in DDP with unused parameters, and every process ends up with the same gradient,
/// so their optimizers stay in step.
/// </para>
/// All-reduces start after backward has finished; they are not overlapped with it.
/// </summary>
public sealed class GradientSynchronizer
{
    /// <summary>DDP's default bucket size, 25 MB.</summary>
    public const long DefaultBucketBytes = 25L * 1024 * 1024;

    private readonly IProcessGroup _group;
    private readonly ParameterStore _store;

    /// <summary>Averages <paramref name="store"/>'s gradients over <paramref name="group"/>, in all-reduces of at
    /// most <paramref name="bucketBytes"/> (a piece holds at least one element).</summary>
    public GradientSynchronizer(IProcessGroup group, ParameterStore store, long bucketBytes = DefaultBucketBytes)
    {
        if (bucketBytes <= 0) throw new LivtException($"the gradient bucket size must be positive, got {bucketBytes} bytes");
        foreach (var b in store.Buffers)
            if (b.Grad.dtype is not (ScalarType.Float32 or ScalarType.Float64))
                throw new ArgumentException($"gradient averaging supports float32 and float64 parameters, not {b.Grad.dtype} (keep fp32 master weights)",
                    nameof(store));
        (_group, _store, BucketBytes) = (group, store, bucketBytes);
    }

    /// <summary>True when this synchronizer averages <paramref name="store"/>'s gradients.</summary>
    public bool Averages(ParameterStore store) => ReferenceEquals(store, _store);

    /// <summary>The largest all-reduce, in bytes.</summary>
    public long BucketBytes { get; }

    /// <summary>All-reduces per call (0 in a single process).</summary>
    public int BucketCount => _group.WorldSize == 1 ? 0 : _store.Buffers.Sum(b => (int)((b.Length + PerPiece(b.Grad) - 1) / PerPiece(b.Grad)));

    /// <summary>Replaces every gradient by its mean over the processes.</summary>
    public void AverageGradients()
    {
        if (_group.WorldSize == 1) return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        // Held for the call: a temporary Scalar can be finalized while libtorch still reads it.
        using var world = ((double)_group.WorldSize).ToScalar();
        foreach (var b in _store.Buffers)
        {
            foreach (var piece in Pieces(b.Grad)) _group.AllReduce(piece);
            b.Grad.div_(world);
        }
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

    private long PerPiece(Tensor buffer) => Math.Max(1, BucketBytes / buffer.ElementSize);

    private IEnumerable<Tensor> Pieces(Tensor buffer)
    {
        long perPiece = PerPiece(buffer), length = buffer.NumberOfElements;
        for (long start = 0; start < length; start += perPiece)
            yield return buffer.narrow(0, start, Math.Min(perPiece, length - start));
    }
}
