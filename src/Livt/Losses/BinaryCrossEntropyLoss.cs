using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// Sigmoid (one-vs-rest) cross-entropy, C · mean over N×C of BCEWithLogits — i.e. summed over classes,
/// averaged over the batch — as the official <c>BCE_loss</c>. Covers plain BCE, Bal-BCE (logits shifted by
/// τ·(log π − log(1 − π)), the margin that makes the sigmoid classifier unbiased under the prior) and
/// class-balanced BCE (per-class effective-number weights). Hard labels become one-hot targets with the
/// configured smoothing, as in the official code.
/// </summary>
internal sealed class BinaryCrossEntropyLoss : LongTailLoss
{
    private readonly double[]? _margin;
    private readonly double[]? _weights;
    private readonly double _smoothing;

    /// <param name="classCounts">Training images per class.</param>
    /// <param name="balancedTau">τ of Bal-BCE's prior margin; null for none. The official code always
    /// uses 1 here (it ignores <c>--bal_tau</c>); we honour τ.</param>
    /// <param name="classBalancedBeta">β of the effective-number class weights; null for unweighted.</param>
    /// <param name="smoothing">Smoothing of hard labels.</param>
    public BinaryCrossEntropyLoss(IReadOnlyList<long> classCounts, double? balancedTau, double? classBalancedBeta, double smoothing)
        : base(classCounts)
    {
        _margin = balancedTau is { } tau
            ? ClassStatistics.Prior(classCounts).Select(p => tau * (Math.Log(p) - Math.Log(1 - p))).ToArray()
            : null;
        _weights = classBalancedBeta is { } beta ? ClassStatistics.EffectiveNumberWeights(classCounts, beta) : null;
        _smoothing = smoothing;
    }

    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits, targets);
        var y = Distribution(logits, targets, labels, _smoothing);
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar one = 1, classes = NumClasses;
        var z = _margin is null ? logits : logits.add(PerClass(_margin, logits), one);
        var weight = _weights is null ? null : PerClass(_weights, logits);
        var loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y, weight) * classes;
        return scope.MoveToOuter(loss);
    }
}
