using Livt.Data;
using Livt.Distributed;
using Livt.Optimization;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>Training in one process: every data-parallel call is the identity.</summary>
public sealed class SingleProcessParallel : IDataParallel
{
    /// <summary>The shared instance.</summary>
    public static SingleProcessParallel Instance { get; } = new();

    public IProcessGroup Group => SingleProcess.Instance;
    public int Rank => 0;
    public int WorldSize => 1;
    public void BroadcastParameters(nn.Module model) { }
    public void AverageGradients(ParameterStore store) { }
    public ISampler Shard(ISampler sampler) => sampler;
    public double Sum(double value) => value;
}
