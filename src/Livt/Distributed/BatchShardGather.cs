using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Distributed;

/// <summary>
/// Puts back together what the processes computed on their <see cref="Data.BatchShardSampler"/> shards:
/// rows computed batch by batch over a dataset in order, batch b on rank b mod world. Every process gets
/// every row, in dataset order, each exactly as the process that computed it had it.
/// </summary>
public static class BatchShardGather
{
    /// <summary>
    /// The rows of every process's <paramref name="local"/> ([n, ...], this process's batches in order) as one
    /// [<paramref name="count"/>, ...] tensor in dataset order, on <paramref name="local"/>'s device; the caller
    /// owns it. Every process of <paramref name="group"/> must call this with the same count and batch size.
    /// </summary>
    public static Tensor Gather(Tensor local, int count, int batchSize, IProcessGroup group)
    {
        int world = group.WorldSize;
        if (world == 1) return local.clone();
        using var scope = torch.NewDisposeScope();
        int batches = (count + batchSize - 1) / batchSize;
        // Rank 0's shard is the longest; every process pads its own to it, as all-gather needs equal shapes.
        long rows = (long)((batches + world - 1) / world) * batchSize;
        var shape = local.shape.ToArray();
        shape[0] = rows;
        var padded = torch.zeros(shape, local.dtype, local.device);
        if (local.shape[0] > 0) padded.narrow(0, 0, local.shape[0]).copy_(local);
        var all = group.AllGather(padded);
        var parts = new Tensor[batches];
        for (int b = 0; b < batches; b++)
        {
            long start = (b % world) * rows + (long)(b / world) * batchSize;
            parts[b] = all.narrow(0, start, Math.Min(batchSize, count - (long)b * batchSize));
        }
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }
}
