
namespace Livt.Inference;

/// <summary>
/// Post-hoc logit adjustment needs to know which label distribution a model's logits already assume:
/// a model trained with a prior-corrected loss (Bal-BCE, Bal-CE / logit adjustment, LADE) predicts
/// as if classes were balanced; one trained with plain CE/BCE predicts under the training prior.
/// </summary>
public static class PriorCorrection
{
    private static readonly HashSet<string> Balanced = ["bal-bce", "bal-ce", "lade"];

    /// <summary>The prior a model's raw logits assume, given its training loss and class counts.</summary>
    public static double[] SourcePrior(string? loss, IReadOnlyList<long> trainCounts)
    {
        if (loss is not null && Livt.Losses.LossFactory.Canonical(loss) is { } name && Balanced.Contains(name))
            return Enumerable.Repeat(1.0 / trainCounts.Count, trainCounts.Count).ToArray();
        double total = trainCounts.Sum();
        return trainCounts.Select(c => c / total).ToArray();
    }
}
