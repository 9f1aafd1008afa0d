using Livt.Evaluation;
using static TorchSharp.torch;

namespace Livt.Tests.Evaluation;

/// <summary>Hand-built predictions whose metrics are worked out in the comments.</summary>
internal static class EvaluationFixtures
{
    /// <summary>Training counts of six classes: many (500, 150), medium (50, 30), few (10, 5).</summary>
    public static readonly long[] TrainCounts = { 500, 150, 50, 30, 10, 5 };

    /// <summary>Nine test images as (label, classes ranked from highest to lowest score).</summary>
    public static readonly (long Label, int[] Ranking)[] Samples =
    {
        (0, new[] { 0, 1, 2, 3, 4, 5 }), // correct
        (0, new[] { 1, 0, 2, 3, 4, 5 }), // predicted 1, label at rank 1: top-5 hit
        (0, new[] { 0, 2, 1, 3, 4, 5 }), // correct
        (1, new[] { 1, 0, 2, 3, 4, 5 }), // correct
        (2, new[] { 0, 1, 3, 4, 5, 2 }), // predicted 0, label last: top-5 miss
        (2, new[] { 2, 0, 1, 3, 4, 5 }), // correct
        (3, new[] { 0, 1, 3, 2, 4, 5 }), // predicted 0, label at rank 2: top-5 hit
        (4, new[] { 4, 0, 1, 2, 3, 5 }), // correct
        (4, new[] { 0, 1, 2, 3, 5, 4 }), // predicted 0, label last: top-5 miss
    };
    // Class 5 has no test image. Top-1 5/9, top-5 7/9. Per class: 2/3, 1/1, 1/2, 0/1, 1/2, none.
    // Many = (66.67 + 100) / 2, Medium = (50 + 0) / 2, Few = 50 (class 5 left out).

    public static float[] Scores(int[] ranking, int numClasses)
    {
        var z = new float[numClasses];
        for (var r = 0; r < ranking.Length; r++) z[ranking[r]] = 0.7f * (numClasses - r);
        return z;
    }

    public static Tensor Logits(IEnumerable<(long Label, int[] Ranking)> samples, int numClasses)
    {
        var rows = samples.Select(s => Scores(s.Ranking, numClasses)).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, numClasses });
    }

    public static Tensor Labels(IEnumerable<(long Label, int[] Ranking)> samples) =>
        tensor(samples.Select(s => s.Label).ToArray());

    /// <summary>The worked example, added in two batches (the second as float64).</summary>
    public static MetricsAccumulator Accumulator()
    {
        var acc = new MetricsAccumulator(6);
        using (var z = Logits(Samples.Take(4), 6)) using (var y = Labels(Samples.Take(4))) acc.Add(z, y);
        using (var z = Logits(Samples.Skip(4), 6).to(ScalarType.Float64)) using (var y = Labels(Samples.Skip(4))) acc.Add(z, y);
        return acc;
    }

    public static EvaluationResult Result() =>
        Accumulator().Compute(TrainCounts, classNames: new[] { "airplane", "car", "bird", "cat", "deer", "dog" });
}
