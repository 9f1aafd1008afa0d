using Livt.Distributed;

namespace Livt.Benchmarking;

/// <summary>What <c>livt distributed bench</c> measures.</summary>
public sealed record AllReduceBenchOptions
{
    /// <summary>The model preset whose gradients are averaged (its parameter shapes, not its compute).</summary>
    public string Model { get; init; } = "vit_base_patch16_224";

    /// <summary>Timed repetitions per measurement (the median is reported).</summary>
    public int Iterations { get; init; } = 10;

    /// <summary>Untimed repetitions first.</summary>
    public int Warmup { get; init; } = 2;

    /// <summary>Bucket size of the gradient synchroniser.</summary>
    public long BucketBytes { get; init; } = GradientSynchronizer.DefaultBucketBytes;

    /// <summary>"cpu" (MPI) or "cuda" (NCCL; plain "cuda" takes the GPU of the process's local rank).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>libtorch threads per process (the division by the world size); 0 keeps libtorch's default.</summary>
    public int Threads { get; init; }

    /// <summary>Longest wait in one collective before the job is ended.</summary>
    public TimeSpan CollectiveTimeout { get; init; } = DistributedOptions.DefaultTimeout;
}
