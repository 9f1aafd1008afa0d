using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// SADE's <c>DiverseExpertLoss</c> (Vanint/SADE-AgnosticLT, <c>model/loss.py</c>): three experts trained
/// towards three label distributions, their cross-entropies summed:
/// expert 1 (forward) CE(z₁, y); expert 2 (uniform, balanced softmax) CE(z₂ + log(π + 1e-9), y);
/// expert 3 (backward) CE(z₃ + log(π + 1e-9) − τ·log(π̃ + 1e-9), y), where π̃ is the inverse prior: the
/// class with the r-th smallest prior gets the r-th largest (ties broken by class index, a stable sort).
/// SADE uses τ = 2 on every dataset. Takes the experts' logits [N, 3, C] where other losses take [N, C].
/// Soft targets (mixup / cutmix) use the soft-target CE of the same adjusted logits; the official loss
/// takes hard labels only.
/// </summary>
public sealed class DiverseExpertLoss : LongTailLoss
{
    private readonly double[] _logPrior;
    private readonly double[] _backward;

    /// <param name="classCounts">Training images per class.</param>
    /// <param name="tau">τ of the backward expert's inverse prior (official 2).</param>
    /// <exception cref="LivtException">Counts no loss can use, or τ not finite.</exception>
    public DiverseExpertLoss(IReadOnlyList<long> classCounts, double tau = 2.0) : base(classCounts)
    {
        if (!double.IsFinite(tau)) throw new LivtException($"loss option Tau = {tau} of the diverse-expert loss must be finite");
        Tau = tau;
        var prior = ClassStatistics.Prior(classCounts);
        InversePrior = Inverse(prior);
        _logPrior = prior.Select(p => Math.Log(p + 1e-9)).ToArray();
        _backward = _logPrior.Select((l, c) => l - tau * Math.Log(InversePrior[c] + 1e-9)).ToArray();
    }

    /// <summary>The loss's name on the command line and in recipes (<c>--loss sade</c>).</summary>
    public const string Name = "sade";

    /// <summary>τ of the backward expert.</summary>
    public double Tau { get; }

    /// <summary>Experts this loss trains: forward, uniform, backward.</summary>
    public const int NumExperts = 3;

    /// <summary>π̃: the prior values in reversed rank order (SADE's <c>inverse_prior</c>).</summary>
    public IReadOnlyList<double> InversePrior { get; }

    /// <summary>The summed loss of the three experts, a scalar.</summary>
    /// <param name="logits">The experts' logits [N, 3, C] (<c>MultiExpertVisionTransformer.ForwardExperts</c>).</param>
    /// <param name="targets">Class ids [N] or soft targets [N, C].</param>
    /// <exception cref="ArgumentException">Logits not [N, 3, C], or targets that do not fit.</exception>
    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        if (logits.dim() != 3 || logits.shape[1] != NumExperts)
            throw new ArgumentException($"expert logits must be [N, {NumExperts}, {NumClasses}], got [{string.Join(", ", logits.shape)}]", nameof(logits));
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits.select(1, 0), targets);
        Tensor Ce(Tensor z) => labels is null
            ? Functions.SoftCrossEntropy(z, targets.to(logits.dtype))
            : torch.nn.functional.cross_entropy(z, labels.to(logits.device));
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar one = 1;
        var loss = Ce(logits.select(1, 0))
                   .add(Ce(logits.select(1, 1).add(PerClass(_logPrior, logits), one)), one)
                   .add(Ce(logits.select(1, 2).add(PerClass(_backward, logits), one)), one);
        return scope.MoveToOuter(loss);
    }

    private static double[] Inverse(double[] prior)
    {
        var ascending = Enumerable.Range(0, prior.Length).OrderBy(c => prior[c]).ThenBy(c => c).ToArray();
        var inverse = new double[prior.Length];
        for (int rank = 0; rank < ascending.Length; rank++)
            inverse[ascending[rank]] = prior[ascending[ascending.Length - 1 - rank]];
        return inverse;
    }
}
