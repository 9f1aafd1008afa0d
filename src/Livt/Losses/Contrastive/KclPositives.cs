using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>KCL's positive sampling (Kang et al., ICLR 2021; TSC's official code): each anchor keeps k of
/// its same-class queue keys, drawn uniformly without replacement (all of them when it has fewer).</summary>
public static class KclPositives
{
    /// <summary>The [N, K] 0/1 mask of the queue keys whose label equals the anchor's.</summary>
    public static Tensor Candidates(Tensor labels, Tensor queueLabels, ScalarType dtype = ScalarType.Float32) =>
        labels.to(ScalarType.Int64).unsqueeze(1).eq(queueLabels.to(ScalarType.Int64).to(labels.device).unsqueeze(0)).to(dtype);

    /// <summary>
    /// Draws min(k, m_i) of the m_i candidates of every row uniformly without replacement, as the official
    /// loop does one draw at a time (the same distribution, not the same random stream).
    /// </summary>
    /// <param name="candidates">[N, K] 0/1 mask (<see cref="Candidates"/>).</param>
    /// <param name="k">Positives per anchor; 0 keeps every candidate (the official <c>--K 0</c>).</param>
    /// <param name="generator">Source of the draws; null for libtorch's global generator.</param>
    public static Tensor Sample(Tensor candidates, int k, Generator? generator = null)
    {
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "the number of positives must be ≥ 0");
        using var scope = torch.NewDisposeScope();
        var mask = candidates.to(ScalarType.Float32);
        if (k == 0 || mask.shape[1] == 0) return mask.to(candidates.dtype).MoveToOuterDisposeScope();
        // Random keys on the candidates, −1 elsewhere; the k largest are a uniform k-subset of each row.
        var noise = CpuRandom.Rand(mask.shape, mask.device, generator);
        // Scalars held to the end: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar zero = 0.0, none = -1.0;
        var score = torch.where(mask.gt(zero), noise, torch.full_like(noise, none));
        int take = (int)Math.Min(k, mask.shape[1]);
        var (values, indices) = score.topk(take, 1);
        var chosen = torch.zeros_like(mask).scatter_(1, indices, values.ge(zero).to(mask.dtype));
        return chosen.to(candidates.dtype).MoveToOuterDisposeScope();
    }
}
