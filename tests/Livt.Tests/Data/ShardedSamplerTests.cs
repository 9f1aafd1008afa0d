using Livt.Data;
using Livt.Runtime;

namespace Livt.Tests.Data;

public class ShardedSamplerTests
{
    public ShardedSamplerTests() => LivtRuntime.Initialize();

    private static int[][] Shards(ISampler inner, int world, int epoch, bool pad = true) =>
        Enumerable.Range(0, world).Select(r => new ShardedSampler(inner, r, world, pad).EpochIndices(epoch)).ToArray();

    /// <summary>Puts the shards back in epoch order: shard r's position i is position r + i·world.</summary>
    private static List<int> Interleave(int[][] shards)
    {
        var merged = new List<int>();
        for (int i = 0; i < shards.Max(s => s.Length); i++)
            foreach (var shard in shards)
                if (i < shard.Length) merged.Add(shard[i]);
        return merged;
    }

    [Fact]
    public void ShardsAreEqualDisjointAndTogetherAreTheSingleProcessOrderPaddedByWrapping()
    {
        var inner = new UniformSampler(103, seed: 5);
        int[] order = inner.EpochIndices(2);
        var shards = Shards(inner, world: 4, epoch: 2);
        Assert.All(shards, s => Assert.Equal(26, s.Length));
        // 104 positions: the epoch, then its first index again to make the shards equal.
        Assert.Equal(order.Append(order[0]), Interleave(shards));
        Assert.Equal(Enumerable.Range(0, 103), shards.SelectMany(s => s).Distinct().Order());
        Assert.Equal(Shards(inner, 4, 2), shards);           // every rank computes the same split
        Assert.NotEqual(shards[0], Shards(inner, 4, 3)[0]);  // and a new one each epoch
        Assert.Equal(order, new ShardedSampler(inner, 0, 1).EpochIndices(2));
    }

    [Fact]
    public void WithoutPaddingEverySampleIsSeenOnce()
    {
        var inner = new UniformSampler(103, seed: 5);
        var shards = Shards(inner, world: 4, epoch: 0, pad: false);
        Assert.Equal(new[] { 26, 26, 26, 25 }, shards.Select(s => s.Length));
        Assert.Equal(inner.EpochIndices(0), Interleave(shards));
    }

    [Fact]
    public void AnEpochShorterThanTheWorldWrapsAround()
    {
        var inner = new UniformSampler(3, seed: 0, shuffle: false);
        Assert.Equal(new[] { 0, 1, 2, 0, 1 }, Shards(inner, world: 5, epoch: 0).Select(s => Assert.Single(s)));
        Assert.Equal(new[] { 1, 1, 1, 0, 0 }, Shards(inner, world: 5, epoch: 0, pad: false).Select(s => s.Length));
    }

    [Fact]
    public void ASampleGetsTheAugmentationItGetsInASingleProcess()
    {
        var set = DataFixtures.Synthetic(Enumerable.Range(0, 20).Select(i => i % 4).ToArray(), 4);
        var options = new LoaderOptions { BatchSize = 1, Seed = 9, Workers = 2, DropLast = false };
        var single = Images(new DataLoader(set, new NoisyFlip(), options), epoch: 1);
        var inner = new UniformSampler(set, seed: 9);
        for (int rank = 0; rank < 3; rank++)
        {
            var sharded = Images(new DataLoader(set, new NoisyFlip(), options with { Sampler = new ShardedSampler(inner, rank, 3) }), epoch: 1);
            for (int p = 0; p < sharded.Count; p++)
            {
                int global = rank + 3 * p;
                if (global < single.Count) Assert.Equal(single[global], sharded[p]);
            }
        }
    }

    private static List<float[]> Images(DataLoader loader, int epoch)
    {
        var images = new List<float[]>();
        foreach (var batch in loader.Epoch(epoch))
            using (batch)
                images.Add(batch.Images.data<float>().ToArray());
        return images;
    }
}
