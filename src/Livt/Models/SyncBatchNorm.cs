using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// PyTorch's <c>BatchNorm1d</c> over [B, F] features, with its parameter and buffer names, computed in at least
/// fp32 whatever the working dtype (as autocast keeps normalisation), and with the batch statistics of every
/// process when it is given the job's sum (<c>SyncBatchNorm</c>, which MoCo v3's and BYOL's heads use).
/// </summary>
/// <remarks>With a sum, the mean and then the biased variance come from sums over the processes (Σx and the
/// count, then Σ(x − mean)²), and the sum carries gradient (its backward adds every process's gradient), so each process's gradient is
/// that of the summed losses of all of them, as in PyTorch's SyncBatchNorm. A bf16 working copy's running
/// statistics are not updated (training normalises with batch statistics; the fp32 model's are the ones kept).</remarks>
public sealed class SyncBatchNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter? weight;
    private readonly Parameter? bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;
    private readonly Tensor num_batches_tracked;
    private readonly Func<Tensor, Tensor>? _processSum;

    /// <summary>A BatchNorm over <paramref name="features"/> channels, weight 1 and bias 0 when <paramref name="affine"/>.</summary>
    /// <param name="features">Channels F.</param>
    /// <param name="affine">Learn a scale and shift (MoCo v3's last layer has none).</param>
    /// <param name="processSum">Sums a tensor over the job's processes with gradient, or null for this process's batch alone.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="momentum">Of the running statistics.</param>
    public SyncBatchNorm(long features, bool affine = true, Func<Tensor, Tensor>? processSum = null, double eps = 1e-5, double momentum = 0.1)
        : base(nameof(SyncBatchNorm))
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "must be at least 1");
        Eps = eps;
        Momentum = momentum;
        _processSum = processSum;
        if (affine)
        {
            weight = new Parameter(torch.ones(features));
            bias = new Parameter(torch.zeros(features));
        }
        running_mean = torch.zeros(features);
        running_var = torch.ones(features);
        num_batches_tracked = torch.zeros(Array.Empty<long>(), dtype: ScalarType.Int64);
        RegisterComponents();
    }

    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>Momentum of the running statistics.</summary>
    public double Momentum { get; }

    /// <summary>[B, F] → [B, F] in the input's dtype.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var dtype = Fp32.AtLeast(x.dtype);
        var wide = x.to(dtype);
        var w = weight?.to(dtype);
        var b = bias?.to(dtype);
        // The running statistics are updated in place by batch_norm only where they have the compute dtype.
        bool track = training && running_mean.dtype == dtype;
        Tensor y;
        if (!training)
            y = nn.functional.batch_norm(wide, running_mean.to(dtype), running_var.to(dtype), w, b, false, Momentum, Eps);
        else if (_processSum is null)
        {
            using var one = 1.ToScalar();
            if (track) num_batches_tracked.add_(one, one);
            y = nn.functional.batch_norm(wide, track ? running_mean : null, track ? running_var : null, w, b, true, Momentum, Eps);
        }
        else
            y = Synchronised(wide, w, b, track);
        return y.to(x.dtype).MoveToOuterDisposeScope();
    }

    private Tensor Synchronised(Tensor x, Tensor? w, Tensor? b, bool track)
    {
        long features = x.shape[1];
        // Scalars held to the end: a temporary one can be finalized while libtorch reads it.
        using Scalar rows = (double)x.shape[0];
        using var one = 1.ToScalar();
        var count = torch.full(new long[] { 1 }, rows, dtype: x.dtype, device: x.device);
        // Two passes, as batch_norm's own statistics: the job's mean, then the job's sum of squared deviations
        // from it (Σx² − n·mean² would lose the variance to rounding when the mean is large).
        // sum(long[]): a bare sum(0) would bind to sum(ScalarType) and add everything as bytes.
        var first = _processSum!(torch.cat(new[] { x.sum(new long[] { 0 }), count }));
        var n = first[-1];
        var mean = first[..(int)features] / n;
        var centered = x - mean;
        var variance = _processSum(centered.mul(centered).sum(new long[] { 0 })) / n;
        using var eps = Eps.ToScalar();
        var y = centered * variance.add(eps, one).rsqrt();
        if (w is not null) y = (y * w).add(b!, one);
        if (track)
        {
            using var _ = torch.no_grad();
            using var m = Momentum.ToScalar();
            using var keep = (1 - Momentum).ToScalar();
            num_batches_tracked.add_(one, one);
            running_mean.mul_(keep).add_(mean.detach(), m);
            // The running variance is the unbiased one, as batch_norm keeps it.
            running_var.mul_(keep).add_(variance.detach() * n / n.sub(one), m);
        }
        return y;
    }
}
