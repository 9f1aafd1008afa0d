using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Augmentation;

/// <summary>Label-smoothed one-hot targets as timm's one_hot / mixup_target.</summary>
public static class SoftTargets
{
    /// <summary>
    /// float32 [N, numClasses] on the labels' device: off = smoothing / C everywhere, on = 1 − smoothing + off
    /// at each label, so each row sums to 1.
    /// </summary>
    public static Tensor OneHot(Tensor labels, int numClasses, double smoothing)
    {
        if (smoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "label smoothing must be in [0, 1)");
        using var scope = NewDisposeScope();
        double off = smoothing / numClasses, on = 1.0 - smoothing + off;
        var hot = nn.functional.one_hot(labels.to_type(ScalarType.Int64).view(-1), numClasses).to_type(ScalarType.Float32);
        // Scalars held to the end: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar scale = on - off, offset = off, one = 1;
        return hot.mul_(scale).add_(offset, one).MoveToOuterDisposeScope();
    }
}
