using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>
/// The per-class MaxNorm constraint of weight balancing (Alshammari et al., CVPR 2022; the official
/// <c>MaxNorm_via_PGD</c> with its default τ = 1): after an optimisation step, every class weight
/// vector longer than the radius r is scaled back onto the ball ‖w_c‖ ≤ r; shorter ones and the bias
/// are left alone. As in the official code, r is relative: r = min_c ‖w_c‖ + t·(max_c ‖w_c‖ − min_c ‖w_c‖)
/// over a reference head (the fine-tuned one), so t = 0 caps every class at the smallest norm and t = 1
/// at the largest.
/// </summary>
public static class MaxNormProjection
{
    /// <summary>The radius min + <paramref name="threshold"/>·(max − min) of the per-class L2 norms of
    /// <paramref name="referenceWeight"/> [C, D] (<c>setPerLayerThresh</c>).</summary>
    public static double Radius(Tensor referenceWeight, double threshold)
    {
        if (referenceWeight.dim() != 2) throw new ArgumentException($"a head weight is [C, D], got [{string.Join(", ", referenceWeight.shape)}]",
            nameof(referenceWeight));
        if (!double.IsFinite(threshold) || threshold < 0) throw new LivtException($"--max-norm {threshold}: must be a finite number ≥ 0");
        using var scope = torch.NewDisposeScope();
        var norms = referenceWeight.detach().norm(1, p: 2).to(ScalarType.Float64);
        double min = norms.min().item<double>(), max = norms.max().item<double>();
        return min + threshold * (max - min);
    }

    /// <summary>Projects the rows of <paramref name="weight"/> [C, D] onto the ball of radius
    /// <paramref name="radius"/>, in place and outside autograd (<c>PGD</c>).</summary>
    public static void Project(Tensor weight, double radius)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var norms = weight.norm(1, keepdim: true, p: 2);
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar r = radius;
        var scale = torch.where(norms > r, norms.reciprocal() * r, torch.ones_like(norms));
        weight.mul_(scale);
    }
}
