using Livt.Data;
using Livt.Distributed;
using Livt.Optimization;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// Every process of a group trains the same model on all of the same data: a second stage's head on
/// features every process holds. To the training loop it is a job of one (no shard, no gradient
/// exchange, one replica's random draws and throughput), so each process ends with the single-process
/// weights; through <see cref="Group"/> the processes still start from rank 0's weights, agree on when to
/// stop and on the checkpoint to resume from, and only the group's first process writes.
/// </summary>
public sealed class ReplicatedParallel(IProcessGroup group) : IDataParallel
{
    public IProcessGroup Group => group;
    public int Rank => 0;
    public int WorldSize => 1;
    public bool IsWriter => group.IsFirst;
    public void BroadcastParameters(nn.Module model) => GradientSynchronizer.BroadcastParameters(group, model);
    public void AverageGradients(ParameterStore store) { }
    public ISampler Shard(ISampler sampler) => sampler;
    public double Sum(double value) => value;
}
