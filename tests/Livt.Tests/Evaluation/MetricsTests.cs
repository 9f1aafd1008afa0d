using Livt.Data;
using Livt.Evaluation;
using Livt.Runtime;
using TorchSharp;

namespace Livt.Tests.Evaluation;

public class MetricsTests
{
    public MetricsTests() => LivtRuntime.Initialize();

    // 3 classes with training counts 500 (many), 50 (medium), 5 (few).
    private static readonly long[] TrainCounts = [500, 50, 5];

    private static EvaluationResult Score(float[,] logits, long[] labels, long[]? trainCounts = null)
    {
        var acc = new MetricsAccumulator(logits.GetLength(1));
        using var l = torch.tensor(logits);
        using var y = torch.tensor(labels);
        // Two batches, to check accumulation.
        int half = labels.Length / 2;
        acc.Add(l[..half], y[..half]);
        acc.Add(l[half..], y[half..]);
        return acc.Compute(trainCounts ?? TrainCounts);
    }

    [Fact]
    public void TopKPerClassAndShotGroups()
    {
        // Rows: class 0 right twice; class 1 right once, wrong once (second choice right); class 2 wrong twice (last choice).
        var logits = new float[,]
        {
            { 3, 1, 0 }, { 2, 0, 1 },
            { 0, 4, 1 }, { 3, 2, 0 },
            { 5, 1, 0 }, { 1, 2, 0 },
        };
        long[] labels = [0, 0, 1, 1, 2, 2];
        var r = Score(logits, labels);
        Assert.Equal(100.0 * 3 / 6, r.Top1, 10);
        Assert.Equal(100.0, r.Top5, 10); // top-min(5, 3) = top-3 always hits
        Assert.Equal(new[] { 100.0, 50.0, 0.0 }, r.PerClass);
        Assert.Equal(100.0, r.Many);
        Assert.Equal(50.0, r.Medium);
        Assert.Equal(0.0, r.Few);
        Assert.Equal(1, r.Confusion[1, 0]);
        Assert.Equal(1, r.Confusion[2, 0]);
        Assert.Equal(1, r.Confusion[2, 1]);
        Assert.Equal(new long[] { 2, 2, 2 }, r.TestCounts);
    }

    [Fact]
    public void EmptyGroupIsNullNotZero()
    {
        var r = Score(new float[,] { { 1, 0 }, { 0, 1 } }, [0, 1], [6000, 3000]);
        Assert.NotNull(r.Many);
        Assert.Null(r.Medium);
        Assert.Null(r.Few);
    }

    [Fact]
    public void EceMatchesHandComputation()
    {
        // Two classes. Logit gap g gives confidence sigmoid(g).
        double Gap(double p) => Math.Log(p / (1 - p));
        float g9 = (float)Gap(0.9), g6 = (float)Gap(0.6);
        // Four predictions at confidence 0.9 (3 right), two at 0.6 (1 right).
        var logits = new float[,] { { g9, 0 }, { g9, 0 }, { g9, 0 }, { g9, 0 }, { g6, 0 }, { g6, 0 } };
        long[] labels = [0, 0, 0, 1, 0, 1];
        var r = Score(logits, labels, [100, 100]);
        double expected = 4.0 / 6 * Math.Abs(0.75 - 0.9) + 2.0 / 6 * Math.Abs(0.5 - 0.6);
        Assert.Equal(100 * expected, r.Ece, 4);
        Assert.Equal(6, r.ReliabilityCount.Sum());
        double nll = -(3 * Math.Log(0.9) + Math.Log(0.1) + Math.Log(0.6) + Math.Log(0.4)) / 6;
        Assert.Equal(nll, r.Nll, 4);
    }

    [Fact]
    public void LogitAdjustmentIdentityAndShift()
    {
        using var logits = torch.tensor(new float[,] { { 1.0f, 0.9f }, { 0.2f, 0.0f } });
        double[] skewed = [0.9, 0.1], uniform = [0.5, 0.5];
        using var same = LogitAdjustment.Apply(logits, skewed, skewed);
        Assert.True(torch.allclose(same, logits));
        // From the skewed training prior to uniform: the head class loses log 9 against the tail.
        using var moved = LogitAdjustment.Apply(logits, skewed, uniform);
        Assert.Equal(1, moved.argmax(1)[0].item<long>());
        Assert.Equal(1.0 - Math.Log(0.9 / 0.5), moved[0, 0].item<float>(), 4);
    }

    [Fact]
    public void PriorFileErrorsNameFileAndLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"prior-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "10\n# comment\nfive\n");
        var e = Assert.Throws<LivtException>(() => LogitAdjustment.ParsePriorFile(path, 2));
        Assert.Contains($"{path}:3", e.Message);
        File.WriteAllText(path, "30\n10\n");
        Assert.Equal(new[] { 0.75, 0.25 }, LogitAdjustment.ParsePriorFile(path, 2));
        Assert.Contains("3 classes", Assert.Throws<LivtException>(() => LogitAdjustment.ParsePriorFile(path, 3)).Message);
    }
}
