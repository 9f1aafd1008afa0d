using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.MocoV3;

/// <summary>MoCo v3's contrastive loss (its paper's Algorithm 1, ctr): InfoNCE of the normalised queries against
/// every process's normalised keys (in-batch negatives, no queue), the positive of query i being key i of this
/// process's rows, scaled by 2τ; the symmetric loss adds it for both views.</summary>
internal static class MocoV3Loss
{
    /// <summary>ctr(q, k) = CE(q·kᵀ / T, rank·N + i) · 2T.</summary>
    /// <param name="q">Queries [N, P] of this process.</param>
    /// <param name="k">Keys [N, P] of this process (no gradient).</param>
    /// <param name="temperature">T.</param>
    /// <param name="gather">Concatenates a tensor over the processes in rank order, or null in one process.</param>
    /// <param name="rank">This process's rank (where its keys sit among the gathered ones).</param>
    public static Tensor Contrastive(Tensor q, Tensor k, double temperature, Func<Tensor, Tensor>? gather, int rank)
    {
        using var scope = torch.NewDisposeScope();
        var dtype = Fp32.AtLeast(q.dtype);
        q = nn.functional.normalize(q.to(dtype), dim: 1);
        k = nn.functional.normalize(k.to(dtype), dim: 1);
        if (gather is not null) k = gather(k);
        using var t = temperature.ToScalar();
        using var twoT = (2 * temperature).ToScalar();
        var logits = q.matmul(k.t()).div(t);
        long n = q.shape[0];
        using Scalar first = rank * n, end = (rank + 1) * n, one = 1;
        var labels = torch.arange(first, end, one, dtype: ScalarType.Int64, device: q.device);
        return nn.functional.cross_entropy(logits, labels).mul(twoT).MoveToOuterDisposeScope();
    }
}
