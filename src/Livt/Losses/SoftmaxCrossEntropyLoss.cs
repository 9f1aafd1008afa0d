using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// Softmax cross-entropy against a class distribution, mean over the batch: Σ_c −y_c log softmax(z + a)_c.
/// One class covers three of the official losses: plain CE (timm's soft-target CE; with one-hot targets
/// it is <c>nn.CrossEntropyLoss</c>), label-smoothed CE (one-hot smoothed as timm does, which equals the
/// official (1−s)·nll + s·mean(−log p)), and Bal-CE / logit adjustment (a = τ·log π).
/// </summary>
internal sealed class SoftmaxCrossEntropyLoss : LongTailLoss
{
    private readonly double[]? _adjustment;
    private readonly double _smoothing;
    private readonly bool _acceptsSoft;

    /// <param name="classCounts">Training images per class.</param>
    /// <param name="logitAdjustmentTau">τ of the τ·log π added to the logits; null for none.</param>
    /// <param name="smoothing">Smoothing of hard labels.</param>
    /// <param name="acceptsSoftTargets">Whether soft targets are allowed (not for ls-ce, which would
    /// smooth mixup targets a second time and has no soft form in the official code).</param>
    public SoftmaxCrossEntropyLoss(IReadOnlyList<long> classCounts, double? logitAdjustmentTau, double smoothing, bool acceptsSoftTargets)
        : base(classCounts)
    {
        _adjustment = logitAdjustmentTau is { } tau
            ? ClassStatistics.Prior(classCounts).Select(p => tau * Math.Log(p)).ToArray()
            : null;
        _smoothing = smoothing;
        _acceptsSoft = acceptsSoftTargets;
    }

    public override bool AcceptsSoftTargets => _acceptsSoft;

    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits, targets);
        var y = Distribution(logits, targets, labels, _smoothing);
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar one = 1;
        var z = _adjustment is null ? logits : logits.add(PerClass(_adjustment, logits), one);
        var loss = Functions.SoftCrossEntropy(z, y);
        return scope.MoveToOuter(loss);
    }
}
