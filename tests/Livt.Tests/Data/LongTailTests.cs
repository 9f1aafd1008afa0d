using Livt.Data;

namespace Livt.Tests.Data;

public class LongTailTests
{
    [Fact]
    public void ExpCountsMatchTheFashionMnistLtConvention()
    {
        int[] counts = LongTail.Counts(6000, 10, 100, LongTailProfile.Exp);
        Assert.Equal(new[] { 6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60 }, counts);
        Assert.Equal(14886, counts.Sum());
    }

    [Fact]
    public void ExpCountsMatchCifar10LtImbalance10()
    {
        // The CIFAR-10-LT (IF 10) split of the LDAM/BBN code: 5000 ... 500, 20431 images.
        int[] counts = LongTail.Counts(5000, 10, 10, LongTailProfile.Exp);
        Assert.Equal(new[] { 5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500 }, counts);
    }

    [Fact]
    public void StepCountsHaveTwoLevels()
    {
        Assert.Equal(new[] { 500, 500, 500, 5, 5, 5, 5 }, LongTail.Counts(500, 7, 100, LongTailProfile.Step));
    }

    [Fact]
    public void ImbalanceBelowOneIsRejected()
    {
        var e = Assert.Throws<LivtException>(() => LongTail.Counts(100, 10, 0.5, LongTailProfile.Exp));
        Assert.Contains("imbalance", e.Message);
    }

    [Fact]
    public void SubsetIsSeededPerClassAndKeepsOrder()
    {
        var balanced = DataFixtures.Synthetic(Enumerable.Range(0, 300).Select(i => i % 3).ToArray(), 3);
        var a = (SubsetDataset)LongTail.Subset(balanced, 10, LongTailProfile.Exp, seed: 1);
        var b = (SubsetDataset)LongTail.Subset(balanced, 10, LongTailProfile.Exp, seed: 1);
        var c = (SubsetDataset)LongTail.Subset(balanced, 10, LongTailProfile.Exp, seed: 2);
        Assert.Equal(new long[] { 100, 31, 10 }, DatasetStats.ClassCounts(a));
        Assert.Equal(a.SourceIndices, b.SourceIndices);
        Assert.NotEqual(a.SourceIndices, c.SourceIndices);
        Assert.Equal(a.SourceIndices.Order(), a.SourceIndices);
    }

    [Fact]
    public void FashionMnistLtHasTheStandardCountsBalancedTestAndStatistics()
    {
        var splits = DatasetCatalog.Load(new DatasetOptions { DataDir = DataFixtures.FashionMnistDir, AllowDownload = false });
        Assert.Equal(new long[] { 6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60 }, DatasetStats.ClassCounts(splits.Train));
        Assert.Equal(10000, splits.Test.Count);
        Assert.All(DatasetStats.ClassCounts(splits.Test), n => Assert.Equal(1000, n));
        Assert.Equal("T-shirt/top", splits.Train.ClassNames[0]);
        Assert.Equal("Ankle boot", splits.Train.ClassNames[9]);
        Assert.Equal(1, splits.Train.Channels);
        Assert.Equal("fashion-mnist-lt (IF 100, exp)", splits.Name);

        double[] prior = DatasetStats.Prior(splits.Train);
        Assert.Equal(6000.0 / 14886, prior[0], 12);

        var (mean, std) = DatasetStats.MeanStd(splits.Train);
        Assert.Equal(0.298, mean[0], 0.005);
        Assert.Equal(0.355, std[0], 0.005);
        Assert.Contains("train-images-idx3-ubyte", splits.Train.Describe(0));
    }
}
