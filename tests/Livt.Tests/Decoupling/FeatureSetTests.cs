using Livt.Augmentation;
using Livt.Data;
using Livt.Decoupling;
using Livt.Distributed;
using Livt.Interop;
using Livt.Models;
using Livt.Runtime;
using Livt.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Decoupling;

/// <summary>The frozen encoder's features, computed by one process or shared by several.</summary>
public sealed class FeatureSetTests(SliceRun slice) : IClassFixture<SliceRun>
{
    /// <summary>The slice's fine-tuned classifier (the caller disposes it), its eval transform and the 200-image test split.</summary>
    private (LinearHeadClassifier Model, IImageTransform Transform, IImageDataset Test) Slice()
    {
        var (model, meta) = ModelCheckpoint.LoadClassifier(ModelCheckpoint.Resolve(slice.Finetuned), CPU);
        return (model, TransformPipelines.Eval(meta.Model.ImageSize, meta.Mean, meta.Std), slice.Load().Test);
    }

    [Fact]
    public void UnderTwoProcessesEachReadsOnlyItsBatchesAndGetsEveryRowInDatasetOrder()
    {
        var (model, transform, test) = Slice();
        using var _ = model;
        Assert.Equal(200, test.Count);
        using var alone = FeatureSet.Extract(model, test, transform, CPU, 64, 1);
        var counted = new CountingDataset(test);
        // Rank 1 of 2 computes batches 1 and 3 (64 + 8 images); the stand-in group hands it its own rows as rank 0's too.
        using var shared = FeatureSet.Extract(model, counted, transform, CPU, 64, 1, group: new SecondOfTwoSeeingItself());
        Assert.Equal(72, counted.ImagesRead);
        Assert.Equal(200, shared.Count);
        using var scope = torch.NewDisposeScope();
        // Batch b is the (b / 2)-th of rank b mod 2: batches 1 and 3 are this rank's own; in rank 0's place, 0 and 2 are its own first
        // and (padded) second batch again.
        foreach (var (start, length, from) in new (long, long, long)[] { (64, 64, 64), (192, 8, 192), (0, 64, 64), (128, 8, 192) })
        {
            Assert.True(TensorAssert.BitEqual(alone.Features.narrow(0, from, length), shared.Features.narrow(0, start, length)),
                $"rows {start}..{start + length} are not the single process's rows {from}..");
        }
    }

    [Fact]
    public void Bf16FeaturesAreFp32TensorsCloseToTheFp32Ones()
    {
        var (model, transform, test) = Slice();
        using var _ = model;
        using var fp32 = FeatureSet.Extract(model, test, transform, CPU, 64, 1);
        using var bf16 = FeatureSet.Extract(model, test, transform, CPU, 64, 1, PrecisionPolicy.Resolve("bf16", CPU));
        Assert.Equal(ScalarType.Float32, bf16.Features.dtype);
        Assert.True(TensorAssert.BitEqual(fp32.Labels, bf16.Labels));
        using var scope = torch.NewDisposeScope();
        double scale = fp32.Features.abs().max().item<float>();
        double worst = (fp32.Features - bf16.Features).abs().max().item<float>();
        // bf16 keeps 8 bits of mantissa: a few ulps through the blocks, far from equal and far from different.
        Assert.InRange(worst / scale, 1e-5, 0.1);
    }

    private sealed class CountingDataset(IImageDataset inner) : IImageDataset
    {
        public int ImagesRead;
        public int Count => inner.Count;
        public int NumClasses => inner.NumClasses;
        public IReadOnlyList<string> ClassNames => inner.ClassNames;
        public int Channels => inner.Channels;
        public int GetLabel(int index) => inner.GetLabel(index);
        public Image GetImage(int index)
        {
            Interlocked.Increment(ref ImagesRead);
            return inner.GetImage(index);
        }
        public string Describe(int index) => inner.Describe(index);
    }

    /// <summary>Rank 1 of a two-process group whose all-gather receives this rank's tensor from both ranks.</summary>
    private sealed class SecondOfTwoSeeingItself : IProcessGroup
    {
        public int Rank => 1;
        public int WorldSize => 2;
        public int LocalRank => 1;
        public string Backend => "test";
        public void AllReduce(Tensor tensor) { }
        public void Broadcast(Tensor tensor, int root = 0) { }
        public Tensor AllGather(Tensor tensor) => torch.cat([tensor, tensor], 0);
        public void Barrier() { }
        public void Dispose() { }
    }
}
