using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// LADE's regularised mutual-information term (Hong et al., CVPR 2021) as the official LiVT
/// <c>LADE_loss</c>: for each class c, with the batch's samples of that class,
/// first_c = Σ_{i: y_i=c} z_ic / (n_c^batch + 1e−8), second_c = logsumexp_i(z_ic − log(π_c + 1e−9) +
/// log(1/C + 1e−9)) − log N, loss = −Σ_c π_c (first_c − second_c − λ·second_c²). LiVT uses this term
/// alone (the LADE paper adds a prior-corrected CE). Hard labels only (the official code states it
/// cannot work with mixup).
/// </summary>
internal sealed class LadeLoss : LongTailLoss
{
    private readonly double[] _prior;
    private readonly double[] _logPriorShift;
    private readonly double _lambda;

    public LadeLoss(IReadOnlyList<long> classCounts, double remineLambda) : base(classCounts)
    {
        _prior = ClassStatistics.Prior(classCounts);
        double logBalanced = Math.Log(1.0 / classCounts.Count + 1e-9);
        _logPriorShift = _prior.Select(p => logBalanced - Math.Log(p + 1e-9)).ToArray();
        _lambda = remineLambda;
    }

    public override bool AcceptsSoftTargets => false;

    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits, targets)!.to(logits.device);
        long n = logits.shape[0];
        var mask = torch.nn.functional.one_hot(labels, NumClasses).to(logits.dtype).t();   // C × N
        var samplesPerClass = mask.sum(1);
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar one = 1, eps = 1e-8, logN = Math.Log(n), lambda = _lambda, two = 2;
        var first = (logits.t() * mask).sum(1) / samplesPerClass.add(eps, one);
        var shifted = logits.add(PerClass(_logPriorShift, logits), one).t();                // C × N
        var second = shifted.logsumexp(1) - logN;
        var estimate = first - second - second.pow(two) * lambda;
        var loss = -(estimate * PerClass(_prior, logits)).sum();
        return scope.MoveToOuter(loss);
    }
}
