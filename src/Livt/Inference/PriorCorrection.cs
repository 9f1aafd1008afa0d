
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

    /// <summary>The (assumed, target) priors of <c>--test-prior</c>: "uniform", "train", or a file of
    /// per-class counts or probabilities; <c>livt evaluate</c> and <c>livt export</c> share it.</summary>
    /// <exception cref="LivtException">The prior file is unreadable or does not fit the classes.</exception>
    public static (double[] From, double[] To) ForTestPrior(string testPrior, string? loss, IReadOnlyList<long> trainCounts)
    {
        double[] to = testPrior switch
        {
            "uniform" => Enumerable.Repeat(1.0 / trainCounts.Count, trainCounts.Count).ToArray(),
            "train" => Livt.Evaluation.LogitAdjustment.PriorFromCounts(trainCounts),
            _ => Livt.Evaluation.LogitAdjustment.ParsePriorFile(testPrior, trainCounts.Count),
        };
        return (SourcePrior(loss, trainCounts), to);
    }
}
