using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>
/// ResCom's one-stage loss (Zhong et al., 2022), with the choices of the official code's <c>SiamBS_SPM</c>
/// and its contrast. Both views of the batch are classified and contrasted ("Siamese"):
/// <list type="bullet">
/// <item>Siamese balanced softmax: CE(z + log(π + 1e−9)) over the 2N views.</item>
/// <item>Contrast of each of the 2N anchors with the other 2N − 1 views, its
/// <see cref="ResComOptions.HardPositives"/> least similar same-class keys and its
/// <see cref="ResComOptions.HardNegatives"/> most similar other-class keys of the class-balanced queue
/// (supervised hard pair mining): −Σ_pos log softmax(s/T) / #pos, weighted per anchor by the class's
/// effective-number weight mean_c(E)/E_y, E_c = (1 − β^{n_c})/(1 − β) (class-balanced SupCon).</item>
/// </list>
/// Total = CE + w·contrast. After the step the stage enqueues the first view's features.
/// </summary>
public sealed class ResComLoss
{
    private readonly double[] _logPrior;
    private readonly double[] _classWeight;

    /// <param name="classCounts">Training images per class.</param>
    /// <param name="options">Hyper-parameters; null for the defaults.</param>
    /// <exception cref="LivtException">Fewer than 2 classes, an empty class, or an option out of range.</exception>
    public ResComLoss(IReadOnlyList<long> classCounts, ResComOptions? options = null)
    {
        ClassCounts = ContrastiveInputs.CheckCounts(classCounts);
        Options = options ?? new ResComOptions();
        Options.Validate(ClassCounts.Count);
        _logPrior = ClassStatistics.Prior(ClassCounts).Select(p => Math.Log(p + 1e-9)).ToArray();
        double beta = Options.EffectiveNumberBeta;
        var effective = ClassCounts.Select(n => beta == 0 ? 1.0 : (1 - Math.Pow(beta, n)) / (1 - beta)).ToArray();
        double mean = effective.Average();
        _classWeight = effective.Select(e => mean / e).ToArray();
    }

    /// <summary>Training images per class.</summary>
    public IReadOnlyList<long> ClassCounts { get; }

    /// <summary>The hyper-parameters.</summary>
    public ResComOptions Options { get; }

    private int NumClasses => ClassCounts.Count;

    /// <summary>The batch loss with parts <c>cls</c> and <c>con</c> (unweighted).</summary>
    /// <param name="views">[N, 2, D] normalised projections: view 0 the original (enqueued) view, view 1
    /// the contrast view.</param>
    /// <param name="labels">[N] class ids.</param>
    /// <param name="logits">[2N, C] classifier logits of the views, view-major.</param>
    /// <param name="queueKeys">[C·Q, D] the class-balanced queue's keys (<see cref="ClassBalancedQueue.Keys"/>).</param>
    /// <exception cref="ArgumentException">Shapes disagree or a label is outside [0, C).</exception>
    public LossTerms Forward(Tensor views, Tensor labels, Tensor logits, Tensor queueKeys)
    {
        using var scope = torch.NewDisposeScope();
        ContrastiveInputs.CheckViews(views, nameof(views), expectedViews: 2);
        long n = views.shape[0], d = views.shape[2];
        int q = Options.QueuePerClass, c = NumClasses;
        ContrastiveInputs.CheckMatrix(logits, nameof(logits), 2 * n, c);
        ContrastiveInputs.CheckMatrix(queueKeys, nameof(queueKeys), (long)c * q, d);
        var ids = ContrastiveInputs.CheckLabels(labels, n, c, nameof(labels), views.device).repeat(2);

        // Scalars held to the end: a temporary one (an implicit double → Scalar, or the alpha of `a + b`) can be
        // finalized while libtorch still reads it (see Block).
        using Scalar one = 1.0, t = Options.Temperature, eps = 1e-9, contrastWeight = Options.ContrastWeight;
        var cls = torch.nn.functional.cross_entropy(logits.add(ContrastiveInputs.Constant(_logPrior, logits), one), ids.to(logits.device));

        var feat = ContrastiveInputs.FlattenViews(views);                                          // 2N × D
        var queueSim = feat.matmul(queueKeys.detach().to(feat.dtype).to(feat.device).t());          // 2N × CQ
        var perClass = queueSim.view(2 * n, c, q);
        var own = torch.nn.functional.one_hot(ids, c).to(ScalarType.Bool).unsqueeze(2);           // 2N × C × 1
        var positiveSim = perClass.masked_select(own.expand(2 * n, c, q)).view(2 * n, q);
        var negativeSim = perClass.masked_select(own.logical_not().expand(2 * n, c, q)).view(2 * n, (long)(c - 1) * q);
        var hardPositives = -(-positiveSim).topk(Options.HardPositives, 1).values;
        var hardNegatives = negativeSim.topk(Options.HardNegatives, 1).values;

        var notSelf = ContrastiveInputs.SelfExclusion(2 * n, 2 * n, 0, feat).to(ScalarType.Bool);
        var batchSim = feat.matmul(feat.t()).masked_select(notSelf).view(2 * n, 2 * n - 1);
        var batchPos = ids.unsqueeze(1).eq(ids.unsqueeze(0)).masked_select(notSelf).view(2 * n, 2 * n - 1).to(feat.dtype);
        var sim = torch.cat(new[] { batchSim, hardPositives, hardNegatives }, 1);
        var positives = torch.cat(new[]
        {
            batchPos, torch.ones_like(hardPositives), torch.zeros_like(hardNegatives),
        }, 1);
        var logProb = torch.nn.functional.log_softmax(sim.div(t), 1);
        var perAnchor = (positives * logProb).sum(1).neg().div(positives.sum(1).add(eps, one));
        var weight = ContrastiveInputs.Constant(_classWeight, feat).index_select(0, ids);
        var con = (weight * perAnchor).mean();

        var total = cls.add(con.to(cls.dtype), contrastWeight);
        var parts = new Dictionary<string, double> { ["cls"] = ContrastiveInputs.Number(cls), ["con"] = ContrastiveInputs.Number(con) };
        return new LossTerms(total.MoveToOuterDisposeScope(), parts);
    }
}
