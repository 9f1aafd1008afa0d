using Livt.Augmentation;
using Livt.Data;
using Livt.Distributed;
using Livt.Engine;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>
/// The frozen encoder's pooled features (what the head sees: a ViT's after <c>fc_norm</c>, a CNN's average pool) and the labels of
/// every image of a dataset, computed once in eval mode with the eval transform (no augmentation), so a
/// second stage trains and scores the head on them without running the encoder again. Owns its tensors.
/// </summary>
public sealed class FeatureSet : IDisposable
{
    private FeatureSet(Tensor features, Tensor labels)
    {
        Features = features;
        Labels = labels;
    }

    /// <summary>[N, D] features, on the device they were computed on.</summary>
    public Tensor Features { get; }

    /// <summary>[N] int64 labels, on the same device.</summary>
    public Tensor Labels { get; }

    /// <summary>Number of images N.</summary>
    public int Count => (int)Labels.shape[0];

    /// <summary>Runs <paramref name="model"/>'s encoder over <paramref name="data"/> in dataset order, in bf16 (a bf16
    /// copy of the model, LayerNorm and softmax in fp32, features returned as fp32) when <paramref name="precision"/> says so. Under a
    /// <paramref name="group"/> of several processes each runs its share of the batches (as <see cref="Inference.Evaluator"/>
    /// does) and every process gets all the features, each computed exactly as one process computes it; every
    /// process of the group must call this alike.</summary>
    public static FeatureSet Extract(LinearHeadClassifier model, IImageDataset data, IImageTransform transform,
        Device device, int batchSize, int workers, PrecisionChoice? precision = null, IProcessGroup? group = null)
    {
        if (data.Count == 0) throw new LivtException("cannot compute features of an empty dataset");
        bool sharded = group is { WorldSize: > 1 };
        bool wasTraining = model.training;
        model.eval();
        using var bf16 = precision is null ? null : MixedPrecision.For(precision, model, null, model.NewOfSameArchitecture, device);
        var compute = (LinearHeadClassifier?)bf16?.Work ?? model;
        compute.eval();
        var features = new List<Tensor>();
        var labels = new List<Tensor>();
        var loader = new DataLoader(data, transform, new LoaderOptions
        {
            BatchSize = batchSize, Shuffle = false, DropLast = false, Workers = workers,
            Sampler = sharded ? new BatchShardSampler(data.Count, batchSize, group!.Rank, group.WorldSize) : null,
        });
        try
        {
            using (torch.no_grad())
                foreach (var batch in loader.Epoch(0))
                    using (batch)
                    using (torch.NewDisposeScope())
                    {
                        features.Add(compute.ForwardFeatures(batch.Images.to(device)).to(ScalarType.Float32).DetachFromDisposeScope());
                        labels.Add(batch.Labels.to(device).clone().DetachFromDisposeScope());
                    }
            using var scope = torch.NewDisposeScope();
            // A process whose share is empty still joins the gather, with no rows of the encoder's width.
            var mine = features.Count > 0 ? torch.cat(features, 0) : torch.zeros(0, model.Head.weight!.shape[1], device: device);
            var mineLabels = labels.Count > 0 ? torch.cat(labels, 0) : torch.zeros(0, ScalarType.Int64, device: device);
            return sharded
                ? new FeatureSet(BatchShardGather.Gather(mine, data.Count, batchSize, group!).DetachFromDisposeScope(),
                    BatchShardGather.Gather(mineLabels, data.Count, batchSize, group!).DetachFromDisposeScope())
                : new FeatureSet(mine.DetachFromDisposeScope(), mineLabels.DetachFromDisposeScope());
        }
        finally
        {
            foreach (var t in features.Concat(labels)) t.Dispose();
            if (wasTraining) model.train();
        }
    }

    /// <summary>The labels as a managed array, for samplers.</summary>
    public int[] LabelArray()
    {
        using var labels = Labels.to(ScalarType.Int32, CPU);
        return labels.data<int>().ToArray();
    }

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }
}
