using Livt.Interop;
using Livt.Methods;

namespace Livt.Inference;

/// <summary>
/// Post-hoc logit adjustment needs to know which label distribution a model's logits already assume:
/// a model trained with a prior-corrected loss (<see cref="LongTailMethod.AssumesBalancedPrior"/>: Bal-BCE,
/// Bal-CE / logit adjustment, LADE, and the contrastive methods, whose classifiers are all trained
/// logit-adjusted) predicts as if classes were balanced, and so does a head retrained on class-balanced samples (cRT, LWS); one
/// trained with plain CE/BCE on the data as it comes predicts under the training prior. SADE's experts,
/// averaged, predict under ∝ (π·π̃^τ)^(1/3) (<see cref="Livt.Losses.DiverseExpertLoss.ExpertLogPriors"/>).
/// </summary>
public static class PriorCorrection
{
    /// <summary>The prior a model's raw logits assume, given its training loss, class counts, (for a
    /// retrained head) <see cref="Livt.Interop.ModelMetadata.Sampler"/> and (for SADE's experts, whose mean
    /// logits a multi-expert model predicts with) τ of the backward expert.</summary>
    public static double[] SourcePrior(string? loss, IReadOnlyList<long> trainCounts, string? sampler = null, double sadeTau = 2.0)
    {
        var method = LongTailMethods.Find(loss);
        if (sampler != "class-balanced" && method is { Kind: MethodKind.Experts })
        {
            var offsets = Livt.Losses.DiverseExpertLoss.ExpertLogPriors(trainCounts, sadeTau);
            var mean = Enumerable.Range(0, trainCounts.Count).Select(c => offsets.Average(o => o[c])).ToArray();
            double max = mean.Max();
            var unnormalised = mean.Select(m => Math.Exp(m - max)).ToArray();
            double total = unnormalised.Sum();
            return unnormalised.Select(p => p / total).ToArray();
        }
        if (sampler == "class-balanced" || method is { AssumesBalancedPrior: true })
            return Enumerable.Repeat(1.0 / trainCounts.Count, trainCounts.Count).ToArray();
        return Livt.Evaluation.LogitAdjustment.PriorFromCounts(trainCounts);
    }

    /// <summary><see cref="SourcePrior(string?, IReadOnlyList{long}, string?, double)"/> of a saved model.</summary>
    public static double[] SourcePrior(ModelMetadata meta) => SourcePrior(meta.Loss, meta.ClassCounts, meta.Sampler, meta.ExpertTau);

    /// <summary><c>livt evaluate --test-prior split</c>: every test split adjusted to its own label distribution.</summary>
    public const string PerSplit = "split";

    /// <summary>The (assumed, target) priors of <c>--test-prior</c>: "uniform", "train", or a file of
    /// per-class counts or probabilities; <c>livt evaluate</c> and <c>livt export</c> share it.</summary>
    /// <exception cref="LivtException">The prior file is unreadable or does not fit the classes.</exception>
    public static (double[] From, double[] To) ForTestPrior(string testPrior, ModelMetadata meta)
    {
        IReadOnlyList<long> trainCounts = meta.ClassCounts;
        double[] to = testPrior switch
        {
            "uniform" => Enumerable.Repeat(1.0 / trainCounts.Count, trainCounts.Count).ToArray(),
            "train" => Livt.Evaluation.LogitAdjustment.PriorFromCounts(trainCounts),
            PerSplit => throw new LivtException("--test-prior split: only livt evaluate with --test-distributions knows each split's label distribution; " +
                "give uniform, train or a prior file"),
            _ => Livt.Evaluation.LogitAdjustment.ParsePriorFile(testPrior, trainCounts.Count),
        };
        return (SourcePrior(meta), to);
    }
}
