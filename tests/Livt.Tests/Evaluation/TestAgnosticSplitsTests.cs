using Livt.Evaluation;
using Livt.Runtime;
using static TorchSharp.torch;

namespace Livt.Tests.Evaluation;

/// <summary>SADE's test-agnostic splits: counts, selection and per-split metrics.</summary>
public class TestAgnosticSplitsTests
{
    public TestAgnosticSplitsTests() => LivtRuntime.Initialize();

    // Fashion-MNIST-LT at IF 100: the classes are already in decreasing training-count order.
    private static readonly long[] FashionLt = { 6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60 };

    [Fact]
    public void CountsFollowSadesFormula()
    {
        foreach (var imbalance in new[] { 2.0, 5, 10, 25, 50 })
        {
            var expected = Enumerable.Range(0, 10).Select(r => (int)Math.Floor(1000 * Math.Pow(1 / imbalance, r / 9.0))).ToArray();
            Assert.Equal(expected, TestDistribution.Forward(imbalance).Counts(FashionLt, 1000));
            Assert.Equal(expected.Reverse(), TestDistribution.Backward(imbalance).Counts(FashionLt, 1000));
        }
        Assert.Equal(Enumerable.Repeat(1000, 10), TestDistribution.Uniform.Counts(FashionLt, 1000));
        Assert.Equal(new[] { 1000, 647, 419, 271, 175, 113, 73, 47, 30, 20 }, TestDistribution.Forward(50).Counts(FashionLt, 1000));
    }

    // The sizes of the split files SADE ships (data_txt/ImageNet_LT/*.txt: 1000 classes, 50 test images
    // each; data_txt/Places_LT_v2/*.txt: 365 classes, 100 each) follow from the same formula.
    [Theory]
    [InlineData(1000, 50, "forward50", 12058)]
    [InlineData(1000, 50, "forward10", 19059)]
    [InlineData(1000, 50, "forward2", 35574)]
    [InlineData(1000, 50, "backward50", 12058)]
    [InlineData(365, 100, "forward50", 8989)]
    [InlineData(365, 100, "forward2", 26155)]
    [InlineData(365, 100, "uniform", 36500)]
    public void SplitSizesMatchSadesFiles(int classes, int perClass, string name, int images)
    {
        var train = Enumerable.Range(0, classes).Select(c => (long)(1280 - c)).ToArray();
        Assert.Equal(images, TestDistribution.Parse(name).Counts(train, perClass).Sum());
    }

    [Fact]
    public void ClassesAreRankedByTrainingCountWithTiesByIndex()
    {
        long[] train = { 5, 500, 50, 50 };
        // n = 8, IF 8: by rank 8, 4, 2, 1.
        Assert.Equal(new[] { 1, 8, 4, 2 }, TestDistribution.Forward(8).Counts(train, 8));
        Assert.Equal(new[] { 8, 1, 2, 4 }, TestDistribution.Backward(8).Counts(train, 8));
    }

    [Fact]
    public void SelectionIsSeededNestedAndUniformIsTheWholeSet()
    {
        var labels = Enumerable.Range(0, 10 * 100).Select(i => i % 10).ToArray(); // 100 per class (CIFAR-100), interleaved
        var f50 = TestAgnosticSplits.Indices(labels, FashionLt, TestDistribution.Forward(50), seed: 0);
        Assert.Equal(f50, TestAgnosticSplits.Indices(labels, FashionLt, TestDistribution.Forward(50), seed: 0));
        Assert.NotEqual(f50, TestAgnosticSplits.Indices(labels, FashionLt, TestDistribution.Forward(50), seed: 1));
        Assert.Equal(f50.Order(), f50);

        var perClass = f50.GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g => g.Count()).ToArray();
        Assert.Equal(TestDistribution.Forward(50).Counts(FashionLt, 100), perClass);

        var f2 = TestAgnosticSplits.Indices(labels, FashionLt, TestDistribution.Forward(2), seed: 0);
        Assert.Subset(f2.ToHashSet(), f50.ToHashSet());
        Assert.Equal(Enumerable.Range(0, labels.Length), TestAgnosticSplits.Indices(labels, FashionLt, TestDistribution.Uniform, seed: 5));
    }

    [Fact]
    public void PerSplitMetricsOfAKnownLogitSet()
    {
        // Three classes, four test images each. Classes 0 and 1 are always predicted right, class 2 never.
        long[] train = { 200, 50, 10 }; // many, medium, few
        var labels = Enumerable.Range(0, 12).Select(i => (long)(i / 4)).ToArray();
        var acc = new MetricsAccumulator(3);
        var logits = new float[12 * 3];
        for (int i = 0; i < 12; i++) logits[i * 3 + (labels[i] == 2 ? 0 : (int)labels[i])] = 5f;
        using (var z = tensor(logits, new long[] { 12, 3 })) using (var y = tensor(labels)) acc.Add(z, y);

        var results = TestAgnosticSplits.Evaluate(acc, train, TestDistribution.ParseList("forward2,uniform,backward2"), seed: 0);
        // n = 4, IF 2: by rank ⌊4·0.5^(r/2)⌋ = 4, 2, 2. Forward: 4 + 2 right of 8; backward: 2 + 2 right of 8.
        Assert.Equal(new[] { "forward2", "uniform", "backward2" }, results.Select(r => r.Distribution.Name));
        Assert.Equal(new long[] { 8, 12, 8 }, results.Select(r => r.Result.NumSamples));
        Assert.Equal(75.0, results[0].Result.Top1, 9);
        Assert.Equal(200.0 / 3, results[1].Result.Top1, 9);
        Assert.Equal(50.0, results[2].Result.Top1, 9);
        foreach (var r in results)
            Assert.Equal((100.0, 100.0, 0.0), (r.Result.Many!.Value, r.Result.Medium!.Value, r.Result.Few!.Value));
    }

    [Fact]
    public void PerSplitPriorAdjustmentPredictsEachSplitsMajorityOnUninformativeLogits()
    {
        // All-zero logits: raw, every image is called class 0 (the first of equal scores); adjusted from a
        // uniform prior to each split's own distribution, every image gets the split's commonest class.
        long[] train = { 200, 50, 10 };
        var labels = Enumerable.Range(0, 12).Select(i => (long)(i / 4)).ToArray();
        var acc = new MetricsAccumulator(3);
        using (var z = zeros(12, 3)) using (var y = tensor(labels)) acc.Add(z, y);
        var splits = TestDistribution.ParseList("forward2,backward2");

        var raw = TestAgnosticSplits.Evaluate(acc, train, splits, seed: 0);
        var oracle = TestAgnosticSplits.Evaluate(acc, train, splits, seed: 0, adjustFrom: [1.0, 1.0, 1.0]);
        // forward2 holds 4, 2, 2 images of classes 0, 1, 2; backward2 holds 2, 2, 4.
        Assert.Equal((50.0, 25.0), (raw[0].Result.Top1, raw[1].Result.Top1));
        Assert.Equal((50.0, 50.0), (oracle[0].Result.Top1, oracle[1].Result.Top1));
        Assert.Equal(100.0, oracle[1].Result.Few!.Value, 9);
    }

    [Fact]
    public void ParsesNamesAndRejectsBadOnes()
    {
        Assert.Equal(
            new[] { "forward50", "forward25", "forward10", "forward5", "forward2", "uniform", "backward2", "backward5", "backward10", "backward25", "backward50" },
            TestDistribution.ParseList("all").Select(d => d.Name));
        Assert.Equal(new[] { "forward50", "backward2.5" }, TestDistribution.ParseList(" Forward50 ,backward2.5,forward50").Select(d => d.Name));
        Assert.Contains("forward1", Assert.Throws<LivtException>(() => TestDistribution.Parse("forward1")).Message);
        Assert.Contains("sideways5", Assert.Throws<LivtException>(() => TestDistribution.Parse("sideways5")).Message);
        Assert.Throws<LivtException>(() => TestDistribution.ParseList(" , "));
        // 2 images per class cannot make a long tail of factor 50.
        Assert.Throws<LivtException>(() => TestDistribution.Forward(50).Counts(FashionLt, 2));
    }
}
