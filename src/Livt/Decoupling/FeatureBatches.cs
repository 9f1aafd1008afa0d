using Livt.Data;
using TorchSharp;

namespace Livt.Decoupling;

/// <summary>
/// A second stage's training batches: rows of the cached features in the order the sampler draws for
/// each epoch, ⌊N / batch⌋ full batches an epoch (the official decoupling loop drops the last partial
/// one), so the shared training loop runs a head exactly as it runs a model on images.
/// </summary>
internal sealed class FeatureBatches(FeatureSet features, ISampler sampler, int batchSize) : IBatchSource
{
    public int BatchesPerEpoch => features.Count / batchSize;

    public long SkippedImages => 0;

    public IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0)
    {
        int[] order = sampler.EpochIndices(epoch);
        for (int step = skipBatches; step < BatchesPerEpoch; step++)
        {
            var rows = order.AsSpan(step * batchSize, batchSize).ToArray();
            using var index = torch.tensor(rows, device: features.Features.device);
            // The batch owns its rows, whatever dispose scope the consumer enumerates in.
            yield return new Batch(features.Features.index_select(0, index).DetachFromDisposeScope(),
                features.Labels.index_select(0, index).DetachFromDisposeScope(), rows, 0);
        }
    }
}
