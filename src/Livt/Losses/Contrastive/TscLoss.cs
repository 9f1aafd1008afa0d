using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>
/// KCL / TSC's loss (Kang et al., ICLR 2021; Li et al., CVPR 2022), with the official code's choices (its
/// flags <c>--sep_t --tr 1</c>).
/// Each query q_i is scored against its own key k_i, the queue and (TSC) the C targets:
/// ℓ_i = [q_i·k_i, q_i·queue, q_i·targets] / T, log p = log_softmax(ℓ). Positives: the own key, the sampled
/// same-class queue keys (<see cref="KclPositives"/>) and (TSC) the target assigned to the anchor's class.
/// With P_i the number of positives, loss_class = −mean_i Σ_{key, queue positives} log p / P_i and
/// loss_target = −w · mean_i log p(target of y_i) / P_i; the loss is their sum.
/// </summary>
public sealed class TscLoss
{
    /// <param name="numClasses">Number of classes C (and targets).</param>
    /// <param name="options">Hyper-parameters; null for the official defaults.</param>
    /// <exception cref="LivtException">C &lt; 2 or an option out of range.</exception>
    public TscLoss(int numClasses, TscOptions? options = null)
    {
        if (numClasses < 2) throw new LivtException($"TSC needs at least 2 classes, got {numClasses}");
        NumClasses = numClasses;
        Options = options ?? new TscOptions();
        Options.Validate();
    }

    /// <summary>Number of classes C.</summary>
    public int NumClasses { get; }

    /// <summary>The hyper-parameters.</summary>
    public TscOptions Options { get; }

    /// <summary>The batch loss with parts <c>class</c> and <c>target</c> (as they enter the total).</summary>
    /// <param name="queries">[N, D] normalised projections of the first view (gradient).</param>
    /// <param name="keys">[N, D] normalised projections of the second view, from the momentum encoder
    /// (the official keys carry no gradient; this function does not detach them).</param>
    /// <param name="labels">[N] class ids.</param>
    /// <param name="queueKeys">[K, D] normalised keys of earlier batches.</param>
    /// <param name="positives">[N, K] 0/1 mask of the queue keys that count as positives
    /// (<see cref="KclPositives.Sample"/>).</param>
    /// <param name="targets">[C, D] the targets, or null during the KCL phase.</param>
    /// <param name="targetOfClass">[C] index of the target assigned to each class (with targets).</param>
    /// <exception cref="ArgumentException">Shapes disagree.</exception>
    public LossTerms Forward(Tensor queries, Tensor keys, Tensor labels, Tensor queueKeys, Tensor positives,
        Tensor? targets = null, Tensor? targetOfClass = null)
    {
        using var scope = torch.NewDisposeScope();
        long n = queries.shape[0];
        ContrastiveInputs.CheckMatrix(queries, nameof(queries), n);
        long d = queries.shape[1], k = queueKeys.shape[0];
        ContrastiveInputs.CheckMatrix(keys, nameof(keys), n, d);
        ContrastiveInputs.CheckMatrix(queueKeys, nameof(queueKeys), k, d);
        ContrastiveInputs.CheckMatrix(positives.to(queries.dtype), nameof(positives), n, k);
        var ids = ContrastiveInputs.CheckLabels(labels, n, NumClasses, nameof(labels), queries.device);
        if ((targets is null) != (targetOfClass is null))
            throw new ArgumentException("targets and their class assignment go together", nameof(targets));

        // Scalars held to the end: a temporary one (an implicit double → Scalar, or the alpha of `a + b`) can be
        // finalized while libtorch still reads it (see Block).
        using Scalar one = 1.0, t = Options.Temperature, targetWeight = Options.TargetWeight, rows = n;
        var own = (queries * keys).sum(1, keepdim: true);
        var queuePos = positives.to(queries.dtype).to(queries.device);
        var parts = new List<Tensor> { own, queries.matmul(queueKeys.to(queries.dtype).t()) };
        Tensor? targetPos = null;
        if (targets is not null)
        {
            ContrastiveInputs.CheckMatrix(targets, nameof(targets), NumClasses, d);
            var assigned = ContrastiveInputs.CheckLabels(targetOfClass!, NumClasses, NumClasses, nameof(targetOfClass), queries.device);
            parts.Add(queries.matmul(targets.to(queries.dtype).t()));
            targetPos = torch.nn.functional.one_hot(assigned.index_select(0, ids), NumClasses).to(queries.dtype);
        }
        var logProb = torch.nn.functional.log_softmax(torch.cat(parts, 1).div(t), 1);

        var ownLogProb = logProb[.., 0];
        var queueLogProb = logProb[.., 1..(int)(1 + k)];
        var count = queuePos.sum(1).add(one, one);
        if (targetPos is not null) count = count.add(targetPos.sum(1), one);
        var classTerm = ownLogProb.add((queuePos * queueLogProb).sum(1), one).div(count).sum().div(rows).neg();
        var total = classTerm;
        var result = new Dictionary<string, double> { ["class"] = ContrastiveInputs.Number(classTerm) };
        if (targetPos is not null)
        {
            var targetLogProb = logProb[.., (int)(1 + k)..];
            var targetTerm = (targetPos * targetLogProb).sum(1).div(count).sum().div(rows).mul(targetWeight).neg();
            total = classTerm.add(targetTerm, one);
            result["target"] = ContrastiveInputs.Number(targetTerm);
        }
        return new LossTerms(total.MoveToOuterDisposeScope(), result);
    }
}
