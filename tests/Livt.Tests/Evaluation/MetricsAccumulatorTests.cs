using Livt.Data;
using Livt.Evaluation;
using Livt.Runtime;
using static Livt.Tests.Evaluation.EvaluationFixtures;
using static TorchSharp.torch;

namespace Livt.Tests.Evaluation;

public class MetricsAccumulatorTests
{
    public MetricsAccumulatorTests() => LivtRuntime.Initialize();

    [Fact]
    public void TopKPerClassAndGroupsMatchTheHandComputation()
    {
        var r = Result();
        Assert.Equal(100.0 * 5 / 9, r.Top1, 9);
        Assert.Equal(100.0 * 7 / 9, r.Top5, 9);
        Assert.Equal(new[] { 200.0 / 3, 100, 50, 0, 50 }, r.PerClass.Take(5), new DoubleComparer(1e-9));
        Assert.True(double.IsNaN(r.PerClass[5]));
        Assert.Equal((200.0 / 3 + 100) / 2, r.Many!.Value, 9);
        Assert.Equal(25.0, r.Medium!.Value, 9);
        Assert.Equal(50.0, r.Few!.Value, 9); // class 5 (no test image) does not count as 0
        Assert.Equal(new long[] { 3, 1, 2, 1, 2, 0 }, r.TestCounts);
        Assert.Equal(TrainCounts, r.ClassCounts);
        Assert.Equal("dog", r.ClassNames[5]);
    }

    [Fact]
    public void ConfusionCountsTruePredictedPairs()
    {
        var r = Result();
        var expected = new int[6, 6];
        expected[0, 0] = 2; expected[0, 1] = 1; expected[1, 1] = 1; expected[2, 0] = 1; expected[2, 2] = 1;
        expected[3, 0] = 1; expected[4, 4] = 1; expected[4, 0] = 1;
        Assert.Equal(expected, r.Confusion);
    }

    [Fact]
    public void NllIsTorchCrossEntropy()
    {
        using var z = Logits(Samples, 6);
        using var y = Labels(Samples);
        using var ce = nn.functional.cross_entropy(z.to(ScalarType.Float64), y);
        Assert.Equal(ce.item<double>(), Result().Nll, 6);
    }

    [Fact]
    public void ShotGroupsComeFromTrainingCounts()
    {
        // The same predictions with every class many-shot: Many is the mean of all present classes.
        var r = Accumulator().Compute(new long[] { 101, 101, 101, 101, 101, 101 });
        Assert.Equal((200.0 / 3 + 100 + 50 + 0 + 50) / 5, r.Many!.Value, 9);
        Assert.Null(r.Medium);
        Assert.Null(r.Few);
        Assert.Equal("3", r.ClassNames[3]);

        var custom = Accumulator().Compute(TrainCounts, new ShotThresholds(Many: 40, Few: 8));
        Assert.Equal((200.0 / 3 + 100 + 50) / 3, custom.Many!.Value, 9);
    }

    [Fact]
    public void TopFiveIsTopCWhenThereAreFewerClasses()
    {
        var acc = new MetricsAccumulator(3);
        var samples = new (long, int[])[] { (2, new[] { 0, 1, 2 }), (0, new[] { 1, 2, 0 }) };
        using var z = Logits(samples, 3);
        using var y = Labels(samples);
        acc.Add(z, y);
        var r = acc.Compute(new long[] { 200, 50, 5 });
        Assert.Equal(0.0, r.Top1);
        Assert.Equal(100.0, r.Top5);
    }

    [Fact]
    public void EceMatchesAHandComputation()
    {
        // Two classes, logits log p so that softmax gives exactly (p, 1 − p).
        var cases = new (double P, long Label)[]
        {
            (0.95, 0), (0.95, 1),          // bin 14 (0.933, 1]: acc 1/2, conf 0.95, gap 0.45
            (0.70, 0), (0.70, 0), (0.70, 1), // bin 10 (0.667, 0.733]: acc 2/3, conf 0.70, gap 1/30
            (0.55, 0),                       // bin 8 (0.533, 0.6]: acc 1, conf 0.55, gap 0.45
        };
        var acc = new MetricsAccumulator(2);
        using var z = tensor(cases.SelectMany(c => new[] { (float)Math.Log(c.P), (float)Math.Log(1 - c.P) }).ToArray(), new long[] { 6, 2 });
        using var y = tensor(cases.Select(c => c.Label).ToArray());
        acc.Add(z, y);
        var r = acc.Compute(new long[] { 100, 10 });

        var expected = (2 * 0.45 + 3 * (1.0 / 30) + 1 * 0.45) / 6 * 100;
        Assert.Equal(expected, r.Ece, 4);
        Assert.Equal(15, r.ReliabilityCount.Length);
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 0, 0, 0, 2 }, r.ReliabilityCount);
        Assert.Equal(2.0 / 3, r.ReliabilityAccuracy[10], 9);
        Assert.Equal(0.70, r.ReliabilityConfidence[10], 5);
        Assert.Equal(0.0, r.ReliabilityAccuracy[0]);
    }

    [Fact]
    public void BinsAreRightClosed()
    {
        var bins = new ReliabilityBins();
        Assert.Equal(0, bins.BinOf(1.0 / 15));
        Assert.Equal(1, bins.BinOf(1.0 / 15 + 1e-12));
        Assert.Equal(8, bins.BinOf(0.6));
        Assert.Equal(14, bins.BinOf(1.0));
    }

    [Fact]
    public void LogitsAndLabelsConcatenateTheBatches()
    {
        var acc = Accumulator();
        using var z = acc.Logits;
        using var y = acc.Labels;
        using var expected = Logits(Samples, 6);
        Assert.Equal(new long[] { 9, 6 }, z.shape);
        Assert.Equal(ScalarType.Float32, z.dtype);
        Assert.True(z.allclose(expected, rtol: 0, atol: 0));
        Assert.Equal(Samples.Select(s => s.Label), y.data<long>().ToArray());
        Assert.Equal(9, acc.Count);
    }

    [Fact]
    public void OutOfRangeLabelIsAUserError()
    {
        var acc = new MetricsAccumulator(3);
        using var z = zeros(2, 3);
        using var y = tensor(new long[] { 0, 3 });
        var e = Assert.Throws<LivtException>(() => acc.Add(z, y));
        Assert.Contains("3", e.Message);
        Assert.Throws<LivtException>(() => acc.Compute(new long[] { 1, 1, 1 }));
    }

    private sealed class DoubleComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double d) => 0;
    }
}
