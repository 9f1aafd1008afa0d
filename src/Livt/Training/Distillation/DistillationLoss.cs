using Livt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Distillation;

/// <summary>
/// DeiT-LT's objective (Rangwani et al., CVPR 2024; <c>losses.py</c> <c>DistillationLoss</c> with hard
/// distillation, as <c>main.py</c> builds it): (1 − α)·ℓ(class head, targets) + α·CE(distillation head,
/// teacher's labels), α = 0.5. ℓ is the run's long-tail loss on the true targets — the official soft-target
/// CE on Mixup/CutMix targets (label smoothing folded in), or CE on the hard labels once Mixup stops
/// (<c>--no-mixup-drw</c>); the teacher's labels are the argmax of its logits on the same augmented batch.
/// In the deferred re-weighting phase (DRW) the distillation CE weights each sample by its teacher label's
/// class-balanced weight (effective number, β, normalised to sum to C) and, as PyTorch's weighted
/// <c>cross_entropy</c>, divides by the sum of the weights. A pure function of logits, targets and counts.
/// </summary>
public sealed class DistillationLoss
{
    /// <summary>DeiT's weight α of the distillation term (DeiT-LT's default, which its scripts keep).</summary>
    public const double Alpha = 0.5;

    private readonly double[] _weights;

    /// <param name="classLoss">The loss of the class head.</param>
    /// <param name="classCounts">Training images per class.</param>
    /// <param name="beta">β of the effective number (DeiT-LT's <c>--beta</c>, 0.9999).</param>
    public DistillationLoss(LongTailLoss classLoss, IReadOnlyList<long> classCounts, double beta)
    {
        ClassLoss = classLoss;
        _weights = ClassStatistics.EffectiveNumberWeights(classCounts, beta);
    }

    /// <summary>The loss of the class head.</summary>
    public LongTailLoss ClassLoss { get; }

    /// <summary>The class-balanced weights of the distillation CE in the DRW phase (sum C).</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <summary>The scalar loss.</summary>
    /// <param name="classLogits">[N, C] of <c>head</c> on the class token.</param>
    /// <param name="distLogits">[N, C] of <c>head_dist</c> on the distillation token.</param>
    /// <param name="targets">What <see cref="ClassLoss"/> takes: soft targets [N, C] or labels [N].</param>
    /// <param name="teacherLabels">[N] int64: the teacher's argmax on the same images.</param>
    /// <param name="reweight">The DRW phase: weight the distillation CE per class.</param>
    public Tensor Forward(Tensor classLogits, Tensor distLogits, Tensor targets, Tensor teacherLabels, bool reweight)
    {
        using var scope = torch.NewDisposeScope();
        var classPart = ClassLoss.Forward(classLogits, targets);
        var weight = reweight ? torch.tensor(_weights, distLogits.dtype, distLogits.device) : null;
        var distPart = nn.functional.cross_entropy(distLogits, teacherLabels.to(ScalarType.Int64), weight);
        using var keep = (1 - Alpha).ToScalar();
        using var alpha = Alpha.ToScalar();
        return classPart.mul(keep).add(distPart, alpha).MoveToOuterDisposeScope();
    }
}
