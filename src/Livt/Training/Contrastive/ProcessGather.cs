using Livt.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// The official code's <c>concat_all_gather</c> over the job's processes, as the contrastive losses and
/// their state take it (<c>allGather</c>): a tensor [n, ...] of every rank concatenated along dim 0 in
/// rank order. Other ranks' rows carry no gradient (<c>torch.distributed.all_gather</c> has none); this
/// rank's rows are the tensor it passed in, so its own samples keep theirs. Every rank must call it at the
/// same point of the step with the same shape.
/// </summary>
public static class ProcessGather
{
    /// <summary>The gather of <paramref name="parallel"/>'s processes, or null in one process (the
    /// losses and queues then use the batch alone).</summary>
    public static Func<Tensor, Tensor>? For(IDataParallel parallel)
    {
        if (parallel.WorldSize == 1) return null;
        var group = parallel.Group;
        int rank = parallel.Rank, world = parallel.WorldSize;
        return local =>
        {
            Tensor all;
            using (var sent = local.detach().contiguous()) all = group.AllGather(sent);
            if (!local.requires_grad) return all;
            int n = (int)local.shape[0];
            var parts = new List<Tensor>();
            if (rank > 0) parts.Add(all[..(rank * n)]);
            parts.Add(local);
            if (rank + 1 < world) parts.Add(all[((rank + 1) * n)..]);
            return torch.cat(parts, 0);
        };
    }
}
