
namespace Livt.Benchmarking;

/// <summary>What <c>livt bench</c> measures and how.</summary>
public sealed record BenchOptions
{
    /// <summary>train (BFT step), pretrain (MAE step), infer (forward only) or data (loader only).</summary>
    public string Mode { get; init; } = "train";
    public string Model { get; init; } = Livt.Models.ModelPresets.QuickStart;
    /// <summary>Input size; null keeps the preset's.</summary>
    public int? ImageSize { get; init; }
    public int BatchSize { get; init; } = 128;
    /// <summary>libtorch threads; 0 = all cores, or under a launcher this process's share of them.</summary>
    public int Threads { get; init; }
    /// <summary>Loader threads; 0 = <see cref="Data.DataLoader.DefaultWorkers"/>.</summary>
    public int Workers { get; init; }
    /// <summary>Timed steps (of each kind when a loader is measured: bare and end to end).</summary>
    public int Steps { get; init; } = 200;
    public int Warmup { get; init; } = 10;
    /// <summary>Steps per block when bare and end-to-end steps alternate.</summary>
    public int BlockSteps { get; init; } = 10;
    /// <summary>synthetic (random tensors), fashion-mnist-lt (the real pipeline with the full BFT
    /// augmentation), or imagefolder-224 (224-px JPEGs the tool writes itself).</summary>
    public string Source { get; init; } = "synthetic";
    public string Attention { get; init; } = "manual";
    public string Device { get; init; } = "cpu";
    /// <summary>infer only: torchsharp, onnxruntime (the model exported to ONNX, CPU) or both in one run.</summary>
    public string Engine { get; init; } = "torchsharp";
    /// <summary>auto, fp32 or bf16 (<see cref="Livt.Runtime.PrecisionPolicy"/>): training's mixed precision for
    /// train and pretrain, a bf16 copy of the model for infer (ONNX Runtime always runs the fp32 graph).</summary>
    public string Precision { get; init; } = "auto";
    public string? DataDir { get; init; }
    public int Seed { get; init; }
    /// <summary>pretrain only: the <c>--method</c> of the timed run; several, comma-separated, are timed side by side
    /// in alternating blocks (<see cref="PretrainComparison"/>).</summary>
    public string Method { get; init; } = "mae";
    /// <summary>pretrain only: further run settings (recipe keys, JSON or plain values), each given to the methods that
    /// read it (<c>ssl_hidden_dim</c>, <c>teacher</c>, …) or to all of them (<c>batch_size</c>, <c>mask_ratio</c>, …).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
