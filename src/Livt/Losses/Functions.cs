using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>Tensor formulas shared by several losses.</summary>
internal static class Functions
{
    /// <summary>mean_i Σ_c −y_ic log softmax(z_i)_c.</summary>
    public static Tensor SoftCrossEntropy(Tensor logits, Tensor distribution) =>
        (-distribution * torch.nn.functional.log_softmax(logits, 1)).sum(1).mean();

    /// <summary>
    /// The official code's way of feeding mixup targets to a loss defined per hard label (LDAM, MiSLAS):
    /// take the two largest target entries (v1, i1), (v2, i2) of each sample and return
    /// mean_i (v1·ℓ(i1) + v2·ℓ(i2)), where <paramref name="perSample"/> gives the per-sample loss [N] for
    /// given labels [N].
    /// </summary>
    public static Tensor TopTwoMean(Tensor soft, Func<Tensor, Tensor> perSample)
    {
        var (values, indices) = soft.topk(2, dim: 1, largest: true);
        var first = values.select(1, 0) * perSample(indices.select(1, 0));
        var second = values.select(1, 1) * perSample(indices.select(1, 1));
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar one = 1;
        return first.add(second, one).mean();
    }
}
