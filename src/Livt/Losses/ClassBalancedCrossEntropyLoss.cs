using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// Class-balanced softmax cross-entropy (Cui et al., CVPR 2019): <c>F.cross_entropy</c> with per-class
/// effective-number weights, whose mean is Σ w_y·ℓ / Σ w_y over the batch. Hard labels only, as the
/// official <c>CB_CE_loss</c> (used without mixup).
/// </summary>
internal sealed class ClassBalancedCrossEntropyLoss : LongTailLoss
{
    private readonly double[] _weights;

    public ClassBalancedCrossEntropyLoss(IReadOnlyList<long> classCounts, double beta) : base(classCounts) =>
        _weights = ClassStatistics.EffectiveNumberWeights(classCounts, beta);

    public override bool AcceptsSoftTargets => false;

    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits, targets)!;
        var loss = torch.nn.functional.cross_entropy(logits, labels.to(logits.device), PerClass(_weights, logits));
        return scope.MoveToOuter(loss);
    }
}
