using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>
/// BCL's two-branch loss as the official <c>main.py</c>: α·CE(z + τ log π) on the classification view plus
/// β·BalSCL on two contrast views and the class centres (<c>loss/contrastive.py</c>). BalSCL contrasts each
/// of the 2N anchors with the other 2N − 1 views and the C centres (class-complement: every class is
/// present in every batch), and averages the negatives per class (class-averaging): the denominator is
/// Σ_j e^{f_i·f_j/T} / n_{y_j}, with n_c the class's count among the 2N views and C centres (less one for
/// the anchor's own class). Positives: same-class views and the anchor's centre, averaged.
/// </summary>
public sealed class BclLoss
{
    private readonly double[] _adjustment;

    /// <param name="classCounts">Training images per class.</param>
    /// <param name="options">Hyper-parameters; null for the official defaults.</param>
    /// <exception cref="LivtException">Fewer than 2 classes, an empty class, or an option out of range.</exception>
    public BclLoss(IReadOnlyList<long> classCounts, BclOptions? options = null)
    {
        ClassCounts = ContrastiveInputs.CheckCounts(classCounts);
        Options = options ?? new BclOptions();
        Options.Validate();
        _adjustment = ClassStatistics.Prior(ClassCounts).Select(p => Options.Tau * Math.Log(p)).ToArray();
    }

    /// <summary>Training images per class.</summary>
    public IReadOnlyList<long> ClassCounts { get; }

    /// <summary>The hyper-parameters.</summary>
    public BclOptions Options { get; }

    private int NumClasses => ClassCounts.Count;

    /// <summary>The batch loss: α·CE + β·BalSCL, with parts <c>ce</c> and <c>scl</c> (unweighted).</summary>
    /// <param name="logits">[N, C] classifier logits of the classification view.</param>
    /// <param name="views">[N, 2, D] L2-normalised projections of the two contrast views.</param>
    /// <param name="centers">[C, D] L2-normalised class centres (the classifier weights through the
    /// centre projection head); they receive gradient.</param>
    /// <param name="labels">[N] class ids.</param>
    /// <param name="allGather">Data-parallel runs: concatenates a tensor over all ranks along dim 0 in
    /// rank order; the contrast set and the per-class counts then cover the global batch (as the official
    /// single-process DataParallel run does) while the anchors stay this rank's. Gradient reaches other
    /// ranks' rows only if the delegate's backward returns it (SupCon's GatherLayer); null on one process.</param>
    /// <param name="rank">This process's rank (locates its own rows in the gathered batch).</param>
    /// <exception cref="ArgumentException">Shapes disagree or a label is outside [0, C).</exception>
    public LossTerms Forward(Tensor logits, Tensor views, Tensor centers, Tensor labels, Func<Tensor, Tensor>? allGather = null, int rank = 0)
    {
        using var scope = torch.NewDisposeScope();
        ContrastiveInputs.CheckViews(views, nameof(views), expectedViews: 2);
        long n = views.shape[0], d = views.shape[2];
        ContrastiveInputs.CheckMatrix(logits, nameof(logits), n, NumClasses);
        ContrastiveInputs.CheckMatrix(centers, nameof(centers), NumClasses, d);
        var ids = ContrastiveInputs.CheckLabels(labels, n, NumClasses, nameof(labels), views.device);

        // Scalars held to the end: a temporary one (an implicit double → Scalar, or the alpha of `a + b`) can be
        // finalized while libtorch still reads it (see Block).
        using Scalar one = 1.0, ceWeight = Options.CeWeight, contrastWeight = Options.ContrastWeight;
        var z = logits.add(ContrastiveInputs.Constant(_adjustment, logits), one);
        var ce = torch.nn.functional.cross_entropy(z, ids.to(logits.device));
        var scl = BalancedContrast(views, centers.to(views.dtype), ids, allGather, rank);
        var total = ce.mul(ceWeight).add(scl.to(ce.dtype).mul(contrastWeight), one);
        var parts = new Dictionary<string, double> { ["ce"] = ContrastiveInputs.Number(ce), ["scl"] = ContrastiveInputs.Number(scl) };
        return new LossTerms(total.MoveToOuterDisposeScope(), parts);
    }

    private Tensor BalancedContrast(Tensor views, Tensor centers, Tensor labels, Func<Tensor, Tensor>? allGather, int rank)
    {
        long n = views.shape[0];
        var anchors = ContrastiveInputs.FlattenViews(views);                                  // 2N × D
        var anchorLabels = labels.repeat(2);
        Tensor contrastViews = views, contrastLabels = labels;
        long offset = 0, world = n;                                                          // rows per view block
        if (allGather is not null)
        {
            contrastViews = allGather(views);
            contrastLabels = allGather(labels);
            world = contrastViews.shape[0];
            if (world % n != 0 || contrastLabels.shape[0] != world || rank < 0 || (rank + 1) * n > world)
                throw new ArgumentException($"all-gather returned {world} rows for {n} local rows at rank {rank}", nameof(allGather));
            offset = rank * n;
        }
        using Scalar one = 1.0, t = Options.Temperature;
        var classes = ContrastiveInputs.Range(0, NumClasses, views.device);
        var rowLabels = torch.cat(new[] { contrastLabels.repeat(2), classes });               // 2W + C
        var rows = torch.cat(new[] { ContrastiveInputs.FlattenViews(contrastViews), centers });

        // An anchor's own row sits in both view blocks of the gathered batch: block v, rank offset, sample.
        var selfColumn = torch.cat(new[] { ContrastiveInputs.Range(offset, n, views.device), ContrastiveInputs.Range(world + offset, n, views.device) });
        var notSelf = torch.ones(2 * n, rows.shape[0], dtype: views.dtype, device: views.device)
            .scatter_(1, selfColumn.unsqueeze(1), torch.zeros(2 * n, 1, dtype: views.dtype, device: views.device));
        var positives = anchorLabels.unsqueeze(1).eq(rowLabels.unsqueeze(0)).to(views.dtype) * notSelf;

        var scores = anchors.matmul(rows.t()).div(t);
        var logits = scores.sub(scores.max(1, keepdim: true).values.detach());
        var classCount = torch.nn.functional.one_hot(rowLabels, NumClasses).sum(dim: 0).to(views.dtype);  // per class, incl. centres
        var perColumn = classCount.index_select(0, rowLabels).unsqueeze(0).sub(positives);   // class-averaging weight
        var denominator = logits.exp().mul(notSelf).div(perColumn).sum(1, keepdim: true);
        var logProb = logits.sub(denominator.log());
        var meanLogProbPos = positives.mul(logProb).sum(1).div(positives.sum(1));
        return meanLogProbPos.mean().neg();
    }
}
