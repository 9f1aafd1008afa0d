using System.Text.Json.Serialization;


namespace Livt.Benchmarking;

/// <summary>Median milliseconds per part of a step.</summary>
public sealed record StepBreakdown(double DataWaitMs, double ForwardMs, double BackwardMs, double OptimizerMs);

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
    /// <summary>Median over the timed steps of batch / step time, end to end (loader included).</summary>
    public required double ImagesPerSecond { get; init; }
    public required double ImagesPerSecondMin { get; init; }
    public required double ImagesPerSecondMax { get; init; }
    /// <summary>The same step on a batch already in memory (no loader); null in data mode.</summary>
    public double? BareImagesPerSecond { get; init; }
    /// <summary>images_per_second / bare_images_per_second: 1 means the loader costs nothing.</summary>
    public double? LoaderRatio { get; init; }
    public StepBreakdown? Breakdown { get; init; }
    public required double PeakRssMb { get; init; }
    /// <summary>Resident MiB after the first and the last timed step.</summary>
    public required double RssStartMb { get; init; }
    public required double RssEndMb { get; init; }
    /// <summary>Slope of resident memory over the second half of the timed steps (after the caches'
    /// ramp), per 100 steps: what a leak would show.</summary>
    [JsonPropertyName("rss_growth_mb_per_100_steps")]
    public required double RssGrowthMbPer100Steps { get; init; }
    /// <summary>Resident growth from the middle to the end of the timed steps, as % of the peak.</summary>
    public required double RssGrowthPercentOfPeak { get; init; }
    /// <summary>Resident MiB every <see cref="RssTracker.TraceEvery"/> timed steps.</summary>
    public required double[] RssTraceMb { get; init; }
    /// <summary>fp32, or bf16 (bf16 compute, fp32 master weights).</summary>
    public required string Precision { get; init; }
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
