using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Byol;

/// <summary>BYOL's <c>helpers.regression_loss</c>: ‖x/‖x‖ − y/‖y‖‖² per row (= 2 − 2·cos), with its
/// <c>l2_normalize</c> (x·rsqrt(max(Σx², 1e-12))); the symmetric loss is the batch mean of both views' terms.</summary>
internal static class ByolLoss
{
    /// <summary>mean over the batch of regression(p1, z2) + regression(p2, z1), in at least fp32.</summary>
    public static Tensor Symmetric(Tensor p1, Tensor z2, Tensor p2, Tensor z1)
    {
        using var scope = torch.NewDisposeScope();
        using Scalar one = 1;
        return Regression(p1, z2).add(Regression(p2, z1), one).mean().MoveToOuterDisposeScope();
    }

    /// <summary>‖x̂ − ŷ‖² per row [N].</summary>
    public static Tensor Regression(Tensor x, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        var dtype = Fp32.AtLeast(x.dtype);
        var difference = L2Normalize(x.to(dtype)) - L2Normalize(y.to(dtype));
        return difference.mul(difference).sum(1).MoveToOuterDisposeScope();
    }

    private static Tensor L2Normalize(Tensor x)
    {
        using var eps = 1e-12.ToScalar();
        return x * x.mul(x).sum(1, keepdim: true).clamp_min(eps).rsqrt();
    }
}
