using Livt.Data;
using Livt.Distributed;
using Livt.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// Data-parallel training over a process group (MPI for CPU tensors, NCCL for CUDA ones): the
/// <see cref="IDataParallel"/> calls map to <see cref="GradientSynchronizer"/> (in-place averaging of the
/// parameter store's gradient buffers), its parameter broadcast, and a padded <see cref="ShardedSampler"/>, so
/// every process takes the same number of steps. Owns the group and disposes it.
/// </summary>
public sealed class ProcessGroupParallel : IDataParallel, IDisposable
{
    private GradientSynchronizer? _sync;

    /// <summary>Trains over <paramref name="group"/>, which this instance now owns.</summary>
    public ProcessGroupParallel(IProcessGroup group) => Group = group;

    /// <summary>
    /// The processes the launcher started: <see cref="SingleProcessParallel.Instance"/> without a launcher
    /// (or with one process), exactly as an ordinary run; otherwise this process joins the job's group
    /// (NCCL when <paramref name="device"/> is CUDA, else MPI), which the caller must dispose.
    /// </summary>
    public static IDataParallel Join(LaunchEnvironment launch, Device device, DistributedOptions options) =>
        launch.IsDistributed ? new ProcessGroupParallel(ProcessGroups.Create(launch, device, options)) : SingleProcessParallel.Instance;

    public IProcessGroup Group { get; }
    public int Rank => Group.Rank;
    public int WorldSize => Group.WorldSize;

    public void BroadcastParameters(nn.Module model) => GradientSynchronizer.BroadcastParameters(Group, model);

    public void AverageGradients(ParameterStore store)
    {
        // One synchronizer per store (a run's stages each have their own).
        if (_sync is null || !_sync.Averages(store)) _sync = new GradientSynchronizer(Group, store);
        _sync.AverageGradients();
    }

    public ISampler Shard(ISampler sampler) => new ShardedSampler(sampler, Rank, WorldSize);

    public double Sum(double value)
    {
        using var t = torch.tensor(new[] { value });
        Group.AllReduce(t);
        return t.item<double>();
    }

    /// <summary>Leaves the group.</summary>
    public void Dispose() => Group.Dispose();
}
