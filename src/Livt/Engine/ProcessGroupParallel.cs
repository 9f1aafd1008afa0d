using Livt.Data;
using Livt.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// Data-parallel training over a process group (MPI for CPU tensors, NCCL for CUDA ones): the
/// <see cref="IDataParallel"/> calls map to <see cref="GradientSynchronizer"/> (bucketed averaging,
/// buckets kept between steps), its parameter broadcast, and a padded <see cref="ShardedSampler"/>, so
/// every process takes the same number of steps. Owns the group and disposes it.
/// </summary>
public sealed class ProcessGroupParallel : IDataParallel, IDisposable
{
    private GradientSynchronizer? _sync;
    private IReadOnlyList<TorchSharp.Modules.Parameter>? _synced;

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

    public void AverageGradients(IReadOnlyList<TorchSharp.Modules.Parameter> parameters)
    {
        // One synchronizer per parameter list (a run's stages each have their own), its buckets reused every step.
        if (!ReferenceEquals(parameters, _synced))
        {
            _sync?.Dispose();
            _sync = new GradientSynchronizer(Group, parameters);
            _synced = parameters;
        }
        _sync!.AverageGradients();
    }

    public ISampler Shard(ISampler sampler) => new ShardedSampler(sampler, Rank, WorldSize);

    public double Sum(double value)
    {
        using var t = torch.tensor(new[] { value });
        Group.AllReduce(t);
        return t.item<double>();
    }

    /// <summary>Frees the gradient buckets and leaves the group.</summary>
    public void Dispose()
    {
        _sync?.Dispose();
        Group.Dispose();
    }
}
