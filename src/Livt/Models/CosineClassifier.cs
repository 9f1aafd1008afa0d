using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// The cosine classifier of BCL and SADE (their <c>NormedLinear</c>): logits s·cos(x, w_c) from a
/// <c>head</c> Linear's weight rows w_c, plus its bias, which stays at 0 (<c>NormedLinear</c> has none).
/// A model uses it when its <see cref="VitConfig.CosineScale"/> is set.
/// </summary>
internal static class CosineClassifier
{
    /// <summary>s·normalize(features)·normalize(weight)ᵀ + bias: [N, D] → [N, C].</summary>
    public static Tensor Logits(Tensor features, Tensor weight, Tensor bias, double scale)
    {
        using var scope = torch.NewDisposeScope();
        var cos = nn.functional.normalize(features, dim: 1).matmul(nn.functional.normalize(weight, dim: 1).t());
        // Held to the end: a temporary Scalar can be finalized while libtorch reads it.
        using var s = scale.ToScalar();
        using var one = 1.0.ToScalar();
        return cos.mul(s).add(bias, one).MoveToOuterDisposeScope();
    }

    /// <summary><c>NormedLinear</c>'s start: weight rows uniform in [−1, 1] scaled to unit length, and the
    /// bias 0 and frozen.</summary>
    public static void Initialize(Linear head, Generator? generator)
    {
        using var _ = torch.no_grad();
        CpuRandom.Uniform_(head.weight!, -1, 1, generator);
        head.weight!.copy_(nn.functional.normalize(head.weight!, dim: 1));
        head.bias!.zero_();
        head.bias!.requires_grad = false;
    }
}
