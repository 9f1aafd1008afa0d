namespace Livt.Benchmarking;

/// <summary>
/// One all-reduce measurement: median and fastest time, and bandwidth as nccl-tests reports it —
/// algorithm bandwidth = bytes / time, bus bandwidth = that × 2(n−1)/n, what each process's link carries.
/// </summary>
public sealed record AllReducePoint(long Bytes, double MedianMs, double MinMs, double AlgorithmGBPerSecond, double BusGBPerSecond);

/// <summary>What <c>livt distributed bench</c> reports (serialised snake_case), measured on rank 0.</summary>
public sealed record AllReduceBenchResult
{
    /// <summary>The rank that measured this (each process measures; rank 0 reports).</summary>
    public required int Rank { get; init; }
    public required string Backend { get; init; }
    public required string Library { get; init; }
    public required int WorldSize { get; init; }
    public required string Model { get; init; }
    public required long Parameters { get; init; }
    public required long GradientBytes { get; init; }
    public required long BucketBytes { get; init; }
    public required int Buckets { get; init; }
    public required int Iterations { get; init; }

    /// <summary>In-place all-reduce of one float32 buffer, from 64 KiB up to the model's whole gradient.</summary>
    public required IReadOnlyList<AllReducePoint> Flat { get; init; }

    /// <summary><c>GradientSynchronizer.AverageGradients</c> over the model's parameter store: in-place all-reduces of its
    /// gradient buffer plus the division.</summary>
    public required AllReducePoint Synchronizer { get; init; }
}
