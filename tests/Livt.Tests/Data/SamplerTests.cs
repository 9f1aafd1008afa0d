using Livt.Data;

namespace Livt.Tests.Data;

public class SamplerTests
{
    // 1000 / 100 / 10 images in three classes.
    private static readonly int[] Labels =
        Enumerable.Repeat(0, 1000).Concat(Enumerable.Repeat(1, 100)).Concat(Enumerable.Repeat(2, 10)).ToArray();

    private static double[] Frequencies(ISampler sampler, int epoch)
    {
        var counts = new double[3];
        int[] indices = sampler.EpochIndices(epoch);
        Assert.Equal(Labels.Length, indices.Length);
        foreach (int i in indices) counts[Labels[i]]++;
        return counts.Select(c => c / indices.Length).ToArray();
    }

    [Fact]
    public void UniformIsAPermutationSeededByEpoch()
    {
        var sampler = new UniformSampler(Labels.Length, seed: 3);
        int[] e0 = sampler.EpochIndices(0);
        Assert.Equal(Enumerable.Range(0, Labels.Length), e0.Order());
        Assert.Equal(e0, new UniformSampler(Labels.Length, seed: 3).EpochIndices(0));
        Assert.NotEqual(e0, sampler.EpochIndices(1));
        Assert.Equal(Enumerable.Range(0, 5), new UniformSampler(5, 0, shuffle: false).EpochIndices(7));
    }

    [Fact]
    public void ClassBalancedDrawsClassesEqually()
    {
        var f = Frequencies(new ClassBalancedSampler(Labels, seed: 1), 0);
        Assert.All(f, x => Assert.Equal(1.0 / 3, x, 0.05));
    }

    [Fact]
    public void SquareRootFollowsTheSquareRootOfCounts()
    {
        var f = Frequencies(new SquareRootSampler(Labels, seed: 1), 0);
        double[] w = [Math.Sqrt(1000), Math.Sqrt(100), Math.Sqrt(10)];
        for (int c = 0; c < 3; c++) Assert.Equal(w[c] / w.Sum(), f[c], 0.04);
    }

    [Fact]
    public void ProgressiveMovesFromInstanceToClassBalanced()
    {
        var sampler = new ProgressiveSampler(Labels, totalEpochs: 10, seed: 1);
        Assert.Equal(1000.0 / 1110, Frequencies(sampler, 0)[0], 0.03);
        Assert.Equal(0.5 * 1000 / 1110 + 0.5 / 3, Frequencies(sampler, 5)[0], 0.04);
        Assert.All(Frequencies(sampler, 10), x => Assert.Equal(1.0 / 3, x, 0.05));
        Assert.Equal(sampler.EpochIndices(4), new ProgressiveSampler(Labels, 10, 1).EpochIndices(4));
    }

    [Fact]
    public void ClassAwareSamplingCyclesThroughAClassBeforeRepeating()
    {
        int[] indices = new ClassBalancedSampler(Labels, seed: 2).EpochIndices(0);
        var tail = indices.Where(i => Labels[i] == 2).Take(10).ToArray();
        Assert.Equal(10, tail.Length);
        Assert.Equal(10, tail.Distinct().Count());
    }

    [Fact]
    public void MinorityWeightedDrawsClassesByCountToTheOneMinusAlpha()
    {
        var balanced = new MinorityWeightedSampler(Labels, seed: 2);
        Assert.All(Frequencies(balanced, 0), x => Assert.Equal(1.0 / 3, x, 0.05)); // α = 1: n·n⁻¹
        Assert.Equal(Frequencies(balanced, 0), Frequencies(new MinorityWeightedSampler(Labels, seed: 2), 0));
        Assert.NotEqual(balanced.EpochIndices(0), balanced.EpochIndices(1));
        // The official weights: 1/n_c normalised to sum to C.
        double sum = 1.0 / 1000 + 1.0 / 100 + 1.0 / 10;
        var expected = new[] { 3 / 1000.0 / sum, 3 / 100.0 / sum, 3 / 10.0 / sum };
        for (int c = 0; c < 3; c++) Assert.Equal(expected[c], balanced.ClassWeights[c], 12);

        var instance = Frequencies(new MinorityWeightedSampler(Labels, seed: 2, alpha: 0), 0);
        Assert.Equal(1000.0 / 1110, instance[0], 0.03);
        var half = Frequencies(new MinorityWeightedSampler(Labels, seed: 2, alpha: 0.5), 0);
        double root = Math.Sqrt(1000) + Math.Sqrt(100) + Math.Sqrt(10);
        Assert.Equal(Math.Sqrt(10) / root, half[2], 0.03);
        // With replacement: the ten images of class 2 are drawn about 370 times.
        Assert.True(balanced.EpochIndices(0).Count(i => Labels[i] == 2) > 300);
    }
}
