using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// IIF loss (kostas1515/iif <c>IIFLoss</c>): softmax cross-entropy on the logits multiplied class-wise by
/// the inverse image frequency, z_c · w_c (<see cref="InverseImageFrequency"/>), mean over the batch.
/// Soft targets take the soft-target CE of the same product, which is what the official mixup criterion
/// λ·CE(·, a) + (1 − λ)·CE(·, b) computes for two-label targets. The official evaluation multiplies the
/// logits by w as well (<c>criterion(output, infer=True)</c>): unlike Bal-BCE's margin, IIF's product is
/// part of the prediction.
/// </summary>
internal sealed class IifLoss : LongTailLoss
{
    private readonly double[] _weights;

    public IifLoss(IReadOnlyList<long> classCounts, string variant, int norm) : base(classCounts) =>
        _weights = InverseImageFrequency.Weights(classCounts, variant, norm);

    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits, targets);
        var z = logits * PerClass(_weights, logits);
        var loss = labels is null
            ? Functions.SoftCrossEntropy(z, targets.to(logits.dtype))
            : torch.nn.functional.cross_entropy(z, labels.to(logits.device));
        return scope.MoveToOuter(loss);
    }
}
