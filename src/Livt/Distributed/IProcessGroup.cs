using static TorchSharp.torch;

namespace Livt.Distributed;

/// <summary>
/// The processes of one data-parallel job and the collectives between them (torch.distributed's process
/// group). Every process calls every collective in the same order with tensors of the same shape and
/// dtype; a collective returns when all have joined it. Collectives are blocking and carry no autograd.
/// A collective that does not complete within the group's timeout ends the whole job with a message
/// rather than hanging (see <see cref="DistributedOptions.CollectiveTimeout"/>).
/// </summary>
public interface IProcessGroup : IDisposable
{
    /// <summary>This process's index, 0 ≤ Rank &lt; <see cref="WorldSize"/>.</summary>
    int Rank { get; }

    /// <summary>Number of processes in the job.</summary>
    int WorldSize { get; }

    /// <summary>Index of this process among those on the same machine (selects its GPU).</summary>
    int LocalRank { get; }

    /// <summary>Rank 0: the process that writes files and reports.</summary>
    bool IsFirst => Rank == 0;

    /// <summary>"single", "mpi" or "nccl", for logs.</summary>
    string Backend { get; }

    /// <summary>Replaces <paramref name="tensor"/> (contiguous) by its sum over all processes, in place.</summary>
    void AllReduce(Tensor tensor);

    /// <summary>Overwrites <paramref name="tensor"/> (contiguous) on every process with its value on <paramref name="root"/>.</summary>
    void Broadcast(Tensor tensor, int root = 0);

    /// <summary>
    /// Concatenates every process's <paramref name="tensor"/> ([n, ...], same shape everywhere) along the
    /// first dimension in rank order: a new [WorldSize·n, ...] tensor on the same device, which the caller owns.
    /// </summary>
    Tensor AllGather(Tensor tensor);

    /// <summary>Returns once every process has called it.</summary>
    void Barrier();
}
