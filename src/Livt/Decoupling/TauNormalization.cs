using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>
/// τ-normalisation (Kang et al., ICLR 2020): each class's weight vector divided by its L2 norm to the
/// power τ, w_c ← w_c / ‖w_c‖^τ, no training. τ = 0 leaves the weights as they are, τ = 1 gives unit
/// norms. As the official <c>tau_norm.py</c> (<c>pnorm</c>), which then scores with the weights alone:
/// its logits carry no bias.
/// </summary>
public static class TauNormalization
{
    /// <summary>Returns w_c / ‖w_c‖^τ for every row c of <paramref name="weight"/> [C, D], as a new tensor.</summary>
    /// <exception cref="ArgumentException">The weight is not 2-D or τ is not finite.</exception>
    public static Tensor Apply(Tensor weight, double tau)
    {
        if (weight.dim() != 2) throw new ArgumentException($"a head weight is [C, D], got [{string.Join(", ", weight.shape)}]", nameof(weight));
        if (!double.IsFinite(tau)) throw new ArgumentException($"τ = {tau} must be finite", nameof(tau));
        using var scope = torch.NewDisposeScope();
        var norms = weight.norm(1, keepdim: true, p: 2);
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar t = tau;
        return scope.MoveToOuter(weight / norms.pow(t));
    }
}
