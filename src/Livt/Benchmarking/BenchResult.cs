using System.Text.Json.Serialization;
using Livt.Runtime;

namespace Livt.Benchmarking;

/// <summary>Median milliseconds per part of a step; <paramref name="AllReduceMs"/> is the gradient averaging
/// across the processes (0 in one process), including the wait for the slowest process.</summary>
public sealed record StepBreakdown(double DataWaitMs, double ForwardMs, double BackwardMs, double AllReduceMs, double OptimizerMs);

/// <summary>ONNX Runtime's inference throughput from the same run as TorchSharp's (<c>bench infer --engine both</c>).</summary>
/// <param name="ImagesPerSecond">Median images/s, end to end (as <see cref="BenchResult.ImagesPerSecond"/>).</param>
/// <param name="ImagesPerSecondMin">Slowest timed step.</param>
/// <param name="ImagesPerSecondMax">Fastest timed step.</param>
/// <param name="BareImagesPerSecond">On a batch already in memory.</param>
/// <param name="RelativeToTorchsharp">ONNX Runtime's images/s over TorchSharp's, end to end.</param>
public sealed record EngineThroughput(
    double ImagesPerSecond, double ImagesPerSecondMin, double ImagesPerSecondMax, double? BareImagesPerSecond,
    [property: JsonPropertyName("relative_to_torchsharp")] double RelativeToTorchsharp);

/// <summary>What <c>livt bench</c> reports (serialised snake_case).</summary>
public sealed record BenchResult
{
    public required string Mode { get; init; }
    public required string Model { get; init; }
    public required string Source { get; init; }
    public required int ImageSize { get; init; }
    public required int BatchSize { get; init; }
    public required int Steps { get; init; }
    public required int Warmup { get; init; }
    /// <summary>Steps per block when bare and end-to-end steps alternate; null without a loader.</summary>
    public int? BlockSteps { get; init; }
    /// <summary>Median over the timed steps of batch / step time, end to end (loader included).</summary>
    public required double ImagesPerSecond { get; init; }
    public required double ImagesPerSecondMin { get; init; }
    public required double ImagesPerSecondMax { get; init; }
    /// <summary>The same step on a batch already in memory (no loader); null in data mode.</summary>
    public double? BareImagesPerSecond { get; init; }
    /// <summary>Bare over end-to-end time, the median over the alternating blocks: 1 means the loader costs
    /// nothing. Null without a loader or a step.</summary>
    public double? LoaderRatio { get; init; }
    /// <summary>The same ratio from the blocks' total times.</summary>
    public double? LoaderRatioOfTotals { get; init; }
    public StepBreakdown? Breakdown { get; init; }
    /// <summary>The processes that ran the step together (started by mpirun/srun), 1 without a launcher.</summary>
    public required int Processes { get; init; }
    /// <summary>Their process group's backend: mpi, nccl, or single.</summary>
    public required string Backend { get; init; }
    /// <summary>The whole job's images/s: the global batch (<see cref="Processes"/> × <see cref="BatchSize"/>) over
    /// the median step time, end to end. Every step ends in the gradient averaging, which waits for the
    /// slowest process, so rank 0's step time is the job's.</summary>
    public required double JobImagesPerSecond { get; init; }
    /// <summary>The median all-reduce time (<see cref="StepBreakdown.AllReduceMs"/>) over the median step
    /// time; null in infer and data modes.</summary>
    public double? AllReduceShare { get; init; }
    /// <summary>FLOPs, achieved GFLOP/s and share of the device's peak; null in data mode.</summary>
    public ComputeUse? Compute { get; init; }
    public required CpuInfo Cpu { get; init; }
    /// <summary>The GPU the step ran on, as the driver describes it; null on the CPU.</summary>
    public GpuDevice? Gpu { get; init; }
    public required double PeakRssMb { get; init; }
    /// <summary>Resident MiB after the first and the last timed step.</summary>
    public required double RssStartMb { get; init; }
    public required double RssEndMb { get; init; }
    /// <summary>Slope of resident memory over the second half of the timed steps (after the caches'
    /// ramp), per 100 steps: what a leak would show.</summary>
    [JsonPropertyName("rss_growth_mb_per_100_steps")]
    public required double RssGrowthMbPer100Steps { get; init; }
    /// <summary>The same slope for .NET's heap alone (<see cref="RssTracker.ManagedGrowthMbPer100Steps"/>):
    /// the part of the growth that the next garbage collection takes back.</summary>
    [JsonPropertyName("managed_growth_mb_per_100_steps")]
    public required double ManagedGrowthMbPer100Steps { get; init; }
    /// <summary>Resident growth from the middle to the end of the timed steps, as % of the peak.</summary>
    public required double RssGrowthPercentOfPeak { get; init; }
    /// <summary>Resident MiB every <see cref="RssTracker.TraceEvery"/> timed steps.</summary>
    public required double[] RssTraceMb { get; init; }
    /// <summary>.NET's managed heap after the run, and what the GC has committed: the rest of the resident
    /// memory is libtorch's and the runtime's native memory.</summary>
    public required double ManagedHeapMb { get; init; }
    public required double ManagedCommittedMb { get; init; }
    /// <summary>The allocator and GC settings in force (<see cref="LivtRuntime.MemorySettings"/>).</summary>
    public required IReadOnlyDictionary<string, string> MemorySettings { get; init; }
    /// <summary>The precision used: fp32, or bf16 (bf16 compute; fp32 master weights when training).</summary>
    public required string Precision { get; init; }
    /// <summary>What <c>--precision</c> asked for (auto, fp32, bf16) and why the precision was chosen.</summary>
    public required string PrecisionRequested { get; init; }
    public required string PrecisionReason { get; init; }
    public required int Threads { get; init; }
    public required int Workers { get; init; }
    public required string Device { get; init; }
    public required string Attention { get; init; }
    public required bool AllocatorTuned { get; init; }
    public required IReadOnlyDictionary<string, string> Versions { get; init; }
    /// <summary>Inference engine: torchsharp, onnxruntime (the measurement fields are ONNX Runtime's), or
    /// both (they are TorchSharp's, and <see cref="OnnxRuntime"/> holds ONNX Runtime's).</summary>
    public string Engine { get; init; } = "torchsharp";
    [JsonPropertyName("onnxruntime")]
    public EngineThroughput? OnnxRuntime { get; init; }
}
