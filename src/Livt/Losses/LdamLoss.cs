using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// LDAM (Cao et al., NeurIPS 2019): softmax CE on s·(z − m_y·e_y), the true class's logit lowered by a
/// margin m_c ∝ n_c^(−1/4) scaled so the rarest class gets the largest margin. Mixup targets are split
/// into their two largest entries as the official code does. Optional deferred re-weighting (DRW): from
/// <see cref="LossOptions.DrwEpoch"/> on, each sample's loss is multiplied by its class's
/// effective-number weight (the official LiVT code has no DRW; the batch mean stays over N as its
/// <c>reduction='none'</c> + mean does).
/// </summary>
internal sealed class LdamLoss : LongTailLoss
{
    private readonly double[] _margins;
    private readonly double _scale;
    private readonly int? _drwEpoch;
    private readonly double[] _drwWeights;
    private int _epoch;

    public LdamLoss(IReadOnlyList<long> classCounts, double maxMargin, double scale, int? drwEpoch, double beta)
        : base(classCounts)
    {
        var m = classCounts.Select(n => 1.0 / Math.Sqrt(Math.Sqrt(n))).ToArray();
        double largest = m.Max();
        _margins = m.Select(x => x * (maxMargin / largest)).ToArray();
        _scale = scale;
        _drwEpoch = drwEpoch;
        _drwWeights = ClassStatistics.EffectiveNumberWeights(classCounts, beta);
    }

    /// <summary>True once the deferred re-weighting is on.</summary>
    internal bool ReweightingActive => _drwEpoch is { } start && _epoch >= start;

    public override void SetEpoch(int epoch) => _epoch = epoch;

    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits, targets);
        var margins = PerClass(_margins, logits);
        var weight = ReweightingActive ? PerClass(_drwWeights, logits) : null;

        Tensor PerSample(Tensor y)
        {
            var oneHot = torch.nn.functional.one_hot(y, NumClasses).to(logits.dtype);
            var shifted = logits - oneHot * margins.index_select(0, y).unsqueeze(1);
            using Scalar scale = _scale;
            return torch.nn.functional.cross_entropy(shifted * scale, y, weight, reduction: nn.Reduction.None);
        }

        var loss = labels is null
            ? Functions.TopTwoMean(targets.to(logits.dtype), PerSample)
            : PerSample(labels.to(logits.device)).mean();
        return scope.MoveToOuter(loss);
    }
}
