using static TorchSharp.torch;

namespace Livt.Distributed;

/// <summary>A job of one process, as Livt runs without a launcher: every collective leaves the data as it is.</summary>
public sealed class SingleProcess : IProcessGroup
{
    /// <summary>The one process group of an unlaunched run.</summary>
    public static SingleProcess Instance { get; } = new();

    private SingleProcess() { }

    public int Rank => 0;
    public int WorldSize => 1;
    public int LocalRank => 0;
    public string Backend => "single";

    public void AllReduce(Tensor tensor) { }

    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), $"root {root} is not a rank of a single process");
    }

    public Tensor AllGather(Tensor tensor) => tensor.clone();

    public void Barrier() { }

    /// <summary>Nothing to release.</summary>
    public void Dispose() { }
}
