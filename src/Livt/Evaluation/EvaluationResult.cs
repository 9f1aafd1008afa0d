using Livt.Data;

namespace Livt.Evaluation;

/// <summary>
/// Every metric of one evaluation pass, as computed by <see cref="MetricsAccumulator.Compute"/>.
/// Accuracies and <see cref="Ece"/> are percentages; reliability values are fractions in [0, 1].
/// </summary>
public sealed record EvaluationResult
{
    /// <summary>Top-1 accuracy over all test images, percent.</summary>
    public required double Top1 { get; init; }

    /// <summary>Top-k accuracy with k = min(5, classes), percent.</summary>
    public required double Top5 { get; init; }

    /// <summary>Mean per-class accuracy of the many-shot classes present in the test set, percent;
    /// null when there is no such class.</summary>
    public required double? Many { get; init; }

    /// <summary>As <see cref="Many"/>, for the medium-shot classes.</summary>
    public required double? Medium { get; init; }

    /// <summary>As <see cref="Many"/>, for the few-shot classes.</summary>
    public required double? Few { get; init; }

    /// <summary>Expected calibration error (Guo et al. 2017): 15 equal-width bins of the max softmax
    /// probability, |accuracy − confidence| weighted by the bin's share of images; percent.</summary>
    public required double Ece { get; init; }

    /// <summary>Mean cross-entropy −log softmax(z)[label], nats.</summary>
    public required double Nll { get; init; }

    /// <summary>Top-1 accuracy of each class, percent; NaN for a class with no test image.</summary>
    public required double[] PerClass { get; init; }

    /// <summary>Test images per class.</summary>
    public required long[] TestCounts { get; init; }

    /// <summary>Training images per class: what the shot groups are drawn from.</summary>
    public required long[] ClassCounts { get; init; }

    /// <summary>Counts of (true class, predicted class) pairs.</summary>
    public required int[,] Confusion { get; init; }

    /// <summary>Mean max-softmax confidence of the images in each calibration bin (0 for an empty bin).</summary>
    public required double[] ReliabilityConfidence { get; init; }

    /// <summary>Top-1 accuracy of the images in each calibration bin, a fraction (0 for an empty bin).</summary>
    public required double[] ReliabilityAccuracy { get; init; }

    /// <summary>Images in each calibration bin; bin b holds confidences in (b/15, (b+1)/15].</summary>
    public required long[] ReliabilityCount { get; init; }

    /// <summary>A name per class (the class index as text when none were given).</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>The shot-group boundaries used for <see cref="Many"/>, <see cref="Medium"/>, <see cref="Few"/>.</summary>
    public required ShotThresholds Thresholds { get; init; }

    /// <summary>Number of classes.</summary>
    public int NumClasses => PerClass.Length;

    /// <summary>Number of test images evaluated.</summary>
    public long NumSamples => TestCounts.Sum();

    /// <summary>The shot group of each class, from its training count.</summary>
    public ShotGroup[] Groups => Thresholds.Assign(ClassCounts);
}
