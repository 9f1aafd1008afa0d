using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// MiSLAS's label-aware smoothing (Zhong et al., CVPR 2021), "concave" profile as the official code:
/// class c is smoothed by s_c = tail + (head − tail)·sin(π/2 · (n_c − n_min)/(n_max − n_min)), so head
/// classes get the most smoothing; per sample (1 − s_y)·nll + s_y·mean_c(−log p_c). Mixup targets are
/// split into their two largest entries as the official code does. With all counts equal the official
/// formula is 0/0; every class then gets the head value.
/// </summary>
internal sealed class MislasLoss : LongTailLoss
{
    private readonly double[] _smoothing;

    public MislasLoss(IReadOnlyList<long> classCounts, double smoothHead, double smoothTail) : base(classCounts)
    {
        double nMax = classCounts.Max(), nMin = classCounts.Min();
        _smoothing = classCounts
            .Select(n => nMax == nMin ? smoothHead : smoothTail + (smoothHead - smoothTail) * Math.Sin((n - nMin) * Math.PI / (2 * (nMax - nMin))))
            .ToArray();
    }

    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits, targets);
        var smoothing = PerClass(_smoothing, logits);
        var logp = torch.nn.functional.log_softmax(logits, 1);
        var uniform = -logp.mean(new long[] { 1 });

        Tensor PerSample(Tensor y)
        {
            var s = smoothing.index_select(0, y);
            var nll = -logp.gather(1, y.unsqueeze(1)).squeeze(1);
            // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
            using Scalar one = 1;
            return s.neg().add(one, one).mul(nll).add(s * uniform, one);
        }

        var loss = labels is null
            ? Functions.TopTwoMean(targets.to(logits.dtype), PerSample)
            : PerSample(labels.to(logits.device)).mean();
        return scope.MoveToOuter(loss);
    }
}
