namespace Livt.Evaluation;

/// <summary>
/// A classifier's scores on a test split. Accuracies and ECE are in percent. Shot groups come from the
/// TRAINING counts; a group's accuracy is the mean per-class accuracy of its classes present in the
/// test set, and null when it has none (never NaN or 0).
/// </summary>
public sealed record EvaluationResult
{
    public required double Top1 { get; init; }
    /// <summary>Top-min(5, C) accuracy.</summary>
    public required double Top5 { get; init; }
    public double? Many { get; init; }
    public double? Medium { get; init; }
    public double? Few { get; init; }
    /// <summary>Expected calibration error over 15 equal-width bins of the max softmax probability.</summary>
    public required double Ece { get; init; }
    /// <summary>Mean negative log-likelihood of softmax(logits), nats.</summary>
    public required double Nll { get; init; }
    /// <summary>Accuracy per class (NaN for a class absent from the test set).</summary>
    public required double[] PerClass { get; init; }
    public required long[] TestCounts { get; init; }
    /// <summary>Training images per class.</summary>
    public required long[] ClassCounts { get; init; }
    /// <summary>Counts of [true class, predicted class].</summary>
    public required int[,] Confusion { get; init; }
    public required double[] ReliabilityConfidence { get; init; }
    public required double[] ReliabilityAccuracy { get; init; }
    public required long[] ReliabilityCount { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Mean per-class accuracy over the classes present in the test set (balanced accuracy).</summary>
    public double BalancedAccuracy => PerClass.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
}
