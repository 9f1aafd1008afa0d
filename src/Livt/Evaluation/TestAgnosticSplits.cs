using Livt.Data;
using TorchSharp;

namespace Livt.Evaluation;

/// <summary>The metrics of a model on one test distribution.</summary>
/// <param name="Distribution">The split.</param>
/// <param name="Result">Its metrics (shot groups still from the training counts); a multi-expert model's
/// with its experts averaged.</param>
/// <param name="Aggregated">A multi-expert model's experts combined with weights learned on the split's
/// unlabeled images (<see cref="TestTimeAggregation"/>); null when not asked for.</param>
public sealed record TestDistributionResult(TestDistribution Distribution, EvaluationResult Result, AggregatedResult? Aggregated = null);

/// <summary>The experts combined as Σ_e Weights_e · z_e, and the metrics of that combination.</summary>
/// <param name="Weights">softmax(w), one per expert, summing to 1.</param>
/// <param name="Result">The metrics of the aggregated logits.</param>
/// <param name="Experts">Each expert alone on the split and on the views the weights learned from, in expert order.</param>
public sealed record AggregatedResult(IReadOnlyList<double> Weights, EvaluationResult Result, IReadOnlyList<ExpertOnSplit> Experts);

/// <summary>
/// The test-agnostic protocol of SADE (Vanint/SADE-AgnosticLT): the balanced test set re-sampled to
/// forward-LT, uniform and backward-LT label distributions, and a model scored on each. Every split is a
/// subset of the balanced test set, so the model runs once and each split's metrics come from its rows of
/// the logits.
/// </summary>
public static class TestAgnosticSplits
{
    /// <summary>
    /// The test-set indices (ascending) of split <paramref name="distribution"/>: per class, the first
    /// <see cref="TestDistribution.Counts"/> of its images after a shuffle seeded by (seed, class), as
    /// SADE's CIFAR loader takes the first n of each class after a seeded shuffle. The per-class order
    /// does not depend on the split, so a class's images in forward50 are among those in forward2. The
    /// images per class n is the smallest class's count (all of them in a balanced test set), so uniform
    /// is the whole balanced set.
    /// </summary>
    /// <param name="testLabels">Label of every test image.</param>
    /// <param name="trainCounts">Training images per class (C entries).</param>
    /// <param name="distribution">The split.</param>
    /// <param name="seed">Seed of the per-class selection (SADE's is 0).</param>
    /// <exception cref="LivtException">A class has no test image, a label is outside [0, C), or the
    /// imbalance factor leaves a class with no image.</exception>
    public static int[] Indices(IReadOnlyList<int> testLabels, IReadOnlyList<long> trainCounts, TestDistribution distribution, int seed)
    {
        ArgumentNullException.ThrowIfNull(testLabels);
        ArgumentNullException.ThrowIfNull(trainCounts);
        ArgumentNullException.ThrowIfNull(distribution);
        int c = trainCounts.Count;
        var byClass = new List<int>[c];
        for (int k = 0; k < c; k++) byClass[k] = [];
        for (int i = 0; i < testLabels.Count; i++)
        {
            int y = testLabels[i];
            if ((uint)y >= (uint)c)
                throw new LivtException($"test image {i} has label {y}, outside the model's {c} classes");
            byClass[y].Add(i);
        }
        for (int k = 0; k < c; k++)
            if (byClass[k].Count == 0)
                throw new LivtException($"test distribution {distribution.Name}: class {k} has no test image, so the test set cannot be re-sampled");

        int[] counts = distribution.Counts(trainCounts, byClass.Min(l => l.Count));
        var selected = new List<int>(counts.Sum());
        for (int k = 0; k < c; k++)
        {
            var indices = byClass[k].ToArray();
            SeedMixer.Shuffle(indices, new Random(SeedMixer.Mix(seed, k)));
            selected.AddRange(indices.Take(counts[k]));
        }
        var result = selected.ToArray();
        Array.Sort(result);
        return result;
    }

    /// <summary>
    /// Scores the logits collected on the whole balanced test set (<paramref name="full"/>, in test-set
    /// order) on every split of <paramref name="distributions"/>.
    /// </summary>
    /// <param name="full">Logits and labels of every test image, in test-set order.</param>
    /// <param name="trainCounts">Training images per class: the splits' ranking and the shot groups.</param>
    /// <param name="distributions">The splits, e.g. <see cref="TestDistribution.Standard"/>.</param>
    /// <param name="seed">Seed of the per-class selection.</param>
    /// <param name="classNames">A name per class, or null.</param>
    /// <param name="thresholds">Shot-group boundaries; the default when null.</param>
    /// <param name="adjustFrom">With a prior, each split's logits are first adjusted post hoc from it to that
    /// split's own label distribution (<see cref="LogitAdjustment.Apply"/>, strength <paramref name="tau"/>): the
    /// oracle of a known test prior, <c>livt evaluate --test-prior split</c>. Null scores the logits as they are.</param>
    /// <param name="tau">Strength of that adjustment.</param>
    public static IReadOnlyList<TestDistributionResult> Evaluate(MetricsAccumulator full, IReadOnlyList<long> trainCounts,
        IReadOnlyList<TestDistribution> distributions, int seed, IReadOnlyList<string>? classNames = null, ShotThresholds? thresholds = null,
        IReadOnlyList<double>? adjustFrom = null, double tau = 1.0)
    {
        ArgumentNullException.ThrowIfNull(full);
        ArgumentNullException.ThrowIfNull(distributions);
        using var scope = torch.NewDisposeScope();
        var logits = full.Logits;
        var labels = full.Labels;
        var labelList = labels.data<long>().Select(y => (int)y).ToArray();
        var results = new List<TestDistributionResult>(distributions.Count);
        foreach (var d in distributions)
        {
            using var inner = torch.NewDisposeScope();
            var indices = Indices(labelList, trainCounts, d, seed);
            var rows = torch.tensor(indices);
            var splitLogits = logits.index_select(0, rows);
            if (adjustFrom is not null)
            {
                // A class the split has no image of gets log 0 = −∞: never predicted, as the oracle knows.
                var prior = new double[full.NumClasses];
                foreach (int i in indices) prior[labelList[i]]++;
                splitLogits = LogitAdjustment.Apply(splitLogits, adjustFrom, prior, tau);
            }
            var split = new MetricsAccumulator(full.NumClasses);
            split.Add(splitLogits, labels.index_select(0, rows));
            results.Add(new TestDistributionResult(d, split.Compute(trainCounts, thresholds, classNames)));
        }
        return results;
    }
}
