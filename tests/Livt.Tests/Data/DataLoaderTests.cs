using Livt.Data;
using Livt.Runtime;
using TorchSharp;

namespace Livt.Tests.Data;

public class DataLoaderTests
{
    public DataLoaderTests() => LivtRuntime.Initialize();

    private static readonly InMemoryImageDataset Set =
        DataFixtures.Synthetic(Enumerable.Range(0, 103).Select(i => i % 5).ToArray(), 5);

    private static List<(float[] Images, long[] Labels, int[] Indices)> Collect(DataLoader loader, int epoch, int skip = 0)
    {
        var result = new List<(float[], long[], int[])>();
        foreach (var batch in loader.Epoch(epoch, skip))
            using (batch)
                result.Add((batch.Images.data<float>().ToArray(), batch.Labels.data<long>().ToArray(), batch.Indices));
        return result;
    }

    [Fact]
    public void SameSeedGivesIdenticalTensorsWhateverTheWorkerCount()
    {
        var options = new LoaderOptions { BatchSize = 16, Seed = 7, Prefetch = 2 };
        var one = Collect(new DataLoader(Set, new NoisyFlip(), options with { Workers = 1 }), epoch: 3);
        var four = Collect(new DataLoader(Set, new NoisyFlip(), options with { Workers = 4 }), epoch: 3);
        Assert.Equal(6, one.Count);
        for (int b = 0; b < one.Count; b++)
        {
            Assert.Equal(one[b].Images, four[b].Images);
            Assert.Equal(one[b].Labels, four[b].Labels);
            Assert.Equal(one[b].Indices, four[b].Indices);
        }
        var otherSeed = Collect(new DataLoader(Set, new NoisyFlip(), options with { Seed = 8, Workers = 4 }), epoch: 3);
        Assert.NotEqual(one[0].Images, otherSeed[0].Images);
        var otherEpoch = Collect(new DataLoader(Set, new NoisyFlip(), options with { Workers = 4 }), epoch: 4);
        Assert.NotEqual(one[0].Indices, otherEpoch[0].Indices);
    }

    [Fact]
    public void BatchesHoldTheSampledImagesAndLabels()
    {
        var loader = new DataLoader(Set, null, new LoaderOptions { BatchSize = 10, Workers = 3 });
        using var batch = loader.Epoch(0).First();
        Assert.Equal(new long[] { 10, 1, 4, 4 }, batch.Images.shape);
        Assert.Equal(torch.ScalarType.Float32, batch.Images.dtype);
        Assert.Equal(torch.ScalarType.Int64, batch.Labels.dtype);
        float[] pixels = batch.Images.data<float>().ToArray();
        long[] labels = batch.Labels.data<long>().ToArray();
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(Set.GetLabel(batch.Indices[i]), labels[i]);
            Assert.Equal(batch.Indices[i] / 255f, pixels[i * 16 + 5]);
        }
    }

    [Fact]
    public void EpochLengthFollowsDropLastAndSkipResumesExactly()
    {
        var drop = new DataLoader(Set, new NoisyFlip(), new LoaderOptions { BatchSize = 10, Workers = 2 });
        var keep = new DataLoader(Set, null, new LoaderOptions { BatchSize = 10, DropLast = false, Workers = 2 });
        Assert.Equal(10, drop.BatchesPerEpoch);
        Assert.Equal(11, keep.BatchesPerEpoch);
        var all = Collect(drop, 1);
        Assert.Equal(10, all.Count);
        var keepAll = Collect(keep, 1);
        Assert.Equal(3, keepAll[^1].Indices.Length);
        Assert.Equal(Enumerable.Range(0, 103), keepAll.SelectMany(b => b.Indices).Order());

        var resumed = Collect(drop, 1, skip: 7);
        Assert.Equal(3, resumed.Count);
        for (int b = 0; b < 3; b++) Assert.Equal(all[7 + b].Images, resumed[b].Images);
        Assert.Empty(Collect(drop, 1, skip: 10));
    }

    [Fact]
    public void SamplerDecidesTheOrder()
    {
        var sampler = new ClassBalancedSampler(Set, seed: 1);
        var loader = new DataLoader(Set, null, new LoaderOptions { BatchSize = 8, Workers = 2, Sampler = sampler });
        Assert.Equal(sampler.EpochIndices(2)[..8], Collect(loader, 2)[0].Indices);
    }

    [Fact]
    public void AbandonedEpochStopsCleanly()
    {
        var loader = new DataLoader(Set, new NoisyFlip(), new LoaderOptions { BatchSize = 4, Workers = 2, Prefetch = 2 });
        foreach (var batch in loader.Epoch(0))
        {
            batch.Dispose();
            break;
        }
        Assert.Equal(25, Collect(loader, 0).Count);
    }

    private static (IImageDataset Train, string Root) ListSetWithBrokenImages(TempDir dir)
    {
        var lines = new List<string>();
        for (int i = 0; i < 12; i++)
        {
            string name = $"img/{i}.png";
            if (i == 3) File.WriteAllText(dir.File(name), "not a png");
            else if (i != 8) DataFixtures.WritePng(dir.File(name), 4, 4, (byte)i);
            lines.Add($"{name} {i % 2}");
        }
        File.WriteAllLines(dir.File("train.txt"), lines);
        var splits = DatasetCatalog.Load(new DatasetOptions { Name = "list", DataDir = dir.Path, TrainList = "train.txt", TestList = "train.txt" });
        return (splits.Train, dir.Path);
    }

    [Fact]
    public void UnreadableImagesFailWithTheirNameOrAreSkippedAndCounted()
    {
        using var dir = new TempDir();
        var (train, _) = ListSetWithBrokenImages(dir);
        var options = new LoaderOptions { BatchSize = 6, Shuffle = false, Workers = 2 };

        var e = Assert.Throws<CorruptImageException>(() => Collect(new DataLoader(train, null, options), 0));
        Assert.Contains("3.png", e.Message);

        var skipping = new DataLoader(train, null, options with { SkipCorrupt = true });
        var batches = new List<(int Count, int Skipped, long Rows)>();
        foreach (var batch in skipping.Epoch(0))
            using (batch) batches.Add((batch.Count, batch.Skipped, batch.Images.shape[0]));
        Assert.Equal(new[] { (5, 1, 5L), (5, 1, 5L) }, batches);
        Assert.Equal(2, skipping.SkippedImages);
    }

    [Fact]
    public void ABatchOfOnlyUnreadableImagesComesEmptySoTheEpochKeepsItsLength()
    {
        using var dir = new TempDir();
        var (train, _) = ListSetWithBrokenImages(dir);
        var loader = new DataLoader(train, null, new LoaderOptions { BatchSize = 1, Shuffle = false, Workers = 2, SkipCorrupt = true });
        var batches = new List<(int Count, int Skipped, long Rows)>();
        foreach (var batch in loader.Epoch(0, skipBatches: 2))
            using (batch) batches.Add((batch.Count, batch.Skipped, batch.Images.shape[0]));
        Assert.Equal(loader.BatchesPerEpoch - 2, batches.Count);
        Assert.Equal((0, 1, 0L), batches[3 - 2]);
        Assert.Equal((0, 1, 0L), batches[8 - 2]);
        Assert.Equal(8, batches.Count(b => b == (1, 0, 1L)));
    }

    [Fact]
    public void ImagesOfDifferentSizesInABatchAreAnError()
    {
        using var dir = new TempDir();
        DataFixtures.WritePng(dir.File("train/a/1.png"), 4, 4, 1);
        DataFixtures.WritePng(dir.File("train/a/2.png"), 5, 4, 1);
        DataFixtures.WritePng(dir.File("val/a/1.png"), 4, 4, 1);
        var splits = DatasetCatalog.Load(new DatasetOptions { Name = "imagefolder", DataDir = dir.Path });
        var loader = new DataLoader(splits.Train, null, new LoaderOptions { BatchSize = 2, Shuffle = false, Workers = 1 });
        var e = Assert.Throws<LivtException>(() => Collect(loader, 0));
        Assert.Contains("resize or crop", e.Message);
    }

    [Fact]
    public void FashionMnistBatchesComeFromTheRealFiles()
    {
        var splits = DatasetCatalog.Load(new DatasetOptions { DataDir = DataFixtures.FashionMnistDir, AllowDownload = false });
        var loader = new DataLoader(splits.Train, null, new LoaderOptions { BatchSize = 64, Workers = 2 });
        Assert.Equal(14886 / 64, loader.BatchesPerEpoch);
        using var batch = loader.Epoch(0).First();
        Assert.Equal(new long[] { 64, 1, 28, 28 }, batch.Images.shape);
        using var row = batch.Images[5];
        Assert.Equal(splits.Train.GetImage(batch.Indices[5]).Pixels, row.data<float>().ToArray());
    }
}
