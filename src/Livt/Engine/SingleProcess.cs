using Livt.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>Training in one process: every data-parallel call is the identity.</summary>
public sealed class SingleProcess : IDataParallel
{
    /// <summary>The shared instance.</summary>
    public static SingleProcess Instance { get; } = new();

    public int Rank => 0;
    public int WorldSize => 1;
    public void BroadcastParameters(nn.Module model) { }
    public void AverageGradients(IReadOnlyList<TorchSharp.Modules.Parameter> parameters) { }
    public ISampler Shard(ISampler sampler) => sampler;
    public double Sum(double value) => value;
}
