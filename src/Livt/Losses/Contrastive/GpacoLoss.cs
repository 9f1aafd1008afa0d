using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>
/// GPaCo / PaCo's parametric contrastive loss, as the official <c>PaCoLoss</c>. Each anchor i is contrasted
/// with C learnable class centres (the classifier: its logits z_i, shifted by log π with
/// <see cref="GpacoOptions.LogitAdjustment"/>, divided by supt) and with every other row of the contrast set
/// (f_i·f_j / T). With logits ℓ = [z_i / supt, f_i·f_j / T] less their row maximum,
/// <c>log p_ij = ℓ_ij − log(Σ_c e^ℓ_ic + γ Σ_{j≠i} e^ℓ_ij + 1e−12)</c>, and the loss is
/// <c>−(T/T_base) · Σ_j w_ij log p_ij / Σ_j w_ij</c> averaged over anchors, with weights β·(smoothed one-hot)
/// on the centres and α on same-class rows. GPaCo contrasts both views of the batch (no momentum encoder)
/// plus a queue of earlier keys; PaCo's anchors are the query view only and its keys come from a momentum
/// encoder — both are <see cref="Forward"/> with different contrast sets.
/// </summary>
public sealed class GpacoLoss
{
    private readonly double[]? _logPrior;

    /// <param name="classCounts">Training images per class (the prior of the logit adjustment).</param>
    /// <param name="options">Hyper-parameters; null for the official long-tail defaults.</param>
    /// <exception cref="LivtException">Fewer than 2 classes, an empty class, or an option out of range.</exception>
    public GpacoLoss(IReadOnlyList<long> classCounts, GpacoOptions? options = null)
    {
        ClassCounts = ContrastiveInputs.CheckCounts(classCounts);
        Options = options ?? new GpacoOptions();
        Options.Validate();
        if (Options.LogitAdjustment)
            _logPrior = ClassStatistics.Prior(ClassCounts).Select(p => Math.Log(p + 1e-9)).ToArray();
    }

    /// <summary>Training images per class.</summary>
    public IReadOnlyList<long> ClassCounts { get; }

    /// <summary>The hyper-parameters.</summary>
    public GpacoOptions Options { get; }

    private int NumClasses => ClassCounts.Count;

    /// <summary>
    /// GPaCo on a two-view (or V-view) batch: every view of every sample is an anchor; the contrast set is
    /// the batch's views followed by the queue, as <c>GPaCo/LT/moco/builder.py</c> builds it.
    /// </summary>
    /// <param name="views">[N, V, D] L2-normalised projections of V views.</param>
    /// <param name="labels">[N] class ids.</param>
    /// <param name="logits">[V·N, C] classifier logits of the views, view-major (all first views, then all
    /// second views), i.e. the centres' dot products with the pooled features.</param>
    /// <param name="queueKeys">[K, D] normalised keys of earlier batches (no gradient), or null.</param>
    /// <param name="queueLabels">[K] their class ids.</param>
    public LossTerms ForwardViews(Tensor views, Tensor labels, Tensor logits, Tensor? queueKeys = null, Tensor? queueLabels = null)
    {
        using var scope = torch.NewDisposeScope();
        int v = ContrastiveInputs.CheckViews(views, nameof(views));
        var ids = ContrastiveInputs.CheckLabels(labels, views.shape[0], NumClasses, nameof(labels), views.device);
        var rows = ContrastiveInputs.FlattenViews(views);
        var rowLabels = ids.repeat(v);
        ContrastiveInputs.CheckMatrix(logits, nameof(logits), rows.shape[0], NumClasses);
        if ((queueKeys is null) != (queueLabels is null))
            throw new ArgumentException("queue keys and queue labels go together", nameof(queueKeys));
        if (queueKeys is not null && queueKeys.shape[0] > 0)
        {
            ContrastiveInputs.CheckMatrix(queueKeys, nameof(queueKeys), queueKeys.shape[0], views.shape[2]);
            rows = torch.cat(new[] { rows, queueKeys.detach().to(rows.dtype).to(rows.device) });
            rowLabels = torch.cat(new[] { rowLabels, ContrastiveInputs.CheckLabels(queueLabels!, queueKeys.shape[0], NumClasses, nameof(queueLabels),
                views.device) });
        }
        var result = Forward(rows, rowLabels, logits);
        result.Total.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// The official signature: the first A rows of <paramref name="contrast"/> are the anchors, A being the
    /// number of rows of <paramref name="anchorLogits"/>; the rest (other views, momentum keys, the queue)
    /// only serve as contrast. Gradient flows into whatever rows carry it.
    /// </summary>
    /// <param name="contrast">[M, D] L2-normalised rows, anchors first.</param>
    /// <param name="contrastLabels">[M] class ids of the rows.</param>
    /// <param name="anchorLogits">[A, C] classifier logits of the anchors (A ≤ M).</param>
    /// <exception cref="ArgumentException">Shapes disagree or a label is outside [0, C).</exception>
    public LossTerms Forward(Tensor contrast, Tensor contrastLabels, Tensor anchorLogits)
    {
        using var scope = torch.NewDisposeScope();
        long m = contrast.shape[0];
        ContrastiveInputs.CheckMatrix(contrast, nameof(contrast), m);
        ContrastiveInputs.CheckMatrix(anchorLogits, nameof(anchorLogits), anchorLogits.shape[0], NumClasses);
        long a = anchorLogits.shape[0];
        if (a > m)
            throw new ArgumentException($"{a} anchor logits for {m} contrast rows; the anchors are the first rows of the contrast set", nameof(anchorLogits));
        var labels = ContrastiveInputs.CheckLabels(contrastLabels, m, NumClasses, nameof(contrastLabels), contrast.device);
        var o = Options;
        double off = o.Smoothing / (NumClasses - 1), on = 1 - o.Smoothing;
        double scale = o.Temperature / (o.BaseTemperature ?? o.Temperature);
        // Scalars held to the end: a temporary one (an implicit double → Scalar, or the alpha of `a + b`) can be
        // finalized while libtorch still reads it (see Block).
        using Scalar one = 1.0, supT = o.SupervisedTemperature, t = o.Temperature, alpha = o.Alpha, beta = o.Beta, gamma = o.Gamma,
            onMinusOff = on - off, offValue = off, eps = 1e-12, negScale = -scale;

        var anchors = contrast[..(int)a];
        var anchorLabels = labels[..(int)a];
        var sameClass = anchorLabels.unsqueeze(1).eq(labels.unsqueeze(0)).to(contrast.dtype);        // A × M
        var z = anchorLogits.to(contrast.dtype);
        if (_logPrior is not null) z = z.add(ContrastiveInputs.Constant(_logPrior, z), one);
        var scores = torch.cat(new[] { z.div(supT), anchors.matmul(contrast.t()).div(t) }, 1);
        var logits = scores.sub(scores.max(1, keepdim: true).values.detach());

        var notSelf = ContrastiveInputs.SelfExclusion(a, m, 0, contrast);
        var centreTarget = torch.nn.functional.one_hot(anchorLabels, NumClasses).to(contrast.dtype).mul(onMinusOff).add(offValue, one);
        var positives = torch.cat(new[] { centreTarget.mul(beta), sameClass.mul(notSelf).mul(alpha) }, 1);
        var inDenominator = torch.cat(new[] { torch.ones(a, NumClasses, dtype: contrast.dtype, device: contrast.device), notSelf.mul(gamma) }, 1);

        var logProb = logits.sub(logits.exp().mul(inDenominator).sum(1, keepdim: true).add(eps, one).log());
        var meanLogProbPos = positives.mul(logProb).sum(1).div(positives.sum(1));
        var loss = meanLogProbPos.mul(negScale).mean();
        return new LossTerms(loss.MoveToOuterDisposeScope(), new Dictionary<string, double> { ["paco"] = ContrastiveInputs.Number(loss) });
    }
}
