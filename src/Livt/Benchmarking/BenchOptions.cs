namespace Livt.Benchmarking;

/// <summary>What <c>livt bench</c> measures and how. Each <see cref="SettingAttribute"/> property is a flag of
/// the bench commands; <see cref="ForMode"/> gives a mode's defaults and <see cref="Offers"/> its flags.</summary>
public sealed record BenchOptions
{
    /// <summary>train (BFT step), pretrain (MAE step), infer (forward only) or data (loader only).</summary>
    public string Mode { get; init; } = "train";

    [Setting("Model preset")]
    public string Model { get; init; } = Livt.Models.ModelPresets.QuickStart;

    /// <summary>Input size; null keeps the preset's.</summary>
    [Setting("Input size (default: the preset's)")]
    public int? ImageSize { get; init; }

    [Setting("Batch size")]
    public int BatchSize { get; init; } = 128;

    /// <summary>libtorch threads; 0 = all cores, or under a launcher this process's share of them.</summary>
    [Setting("libtorch threads (default: all cores; under mpirun/srun, each process's share of them)")]
    public int Threads { get; init; }

    /// <summary>Loader threads; 0 = <see cref="Data.DataLoader.DefaultWorkers"/>.</summary>
    [Setting("Loader threads (default: the cores libtorch leaves free, at least 1)")]
    public int Workers { get; init; }

    /// <summary>Timed steps (of each kind when a loader is measured: bare and end to end).</summary>
    [Setting("Timed steps (of each kind with a real --source: bare and end to end)")]
    public int Steps { get; init; } = 200;

    /// <summary>Steps per block when bare and end-to-end steps alternate.</summary>
    [Setting("Steps per block when bare and end-to-end steps alternate")]
    public int BlockSteps { get; init; } = 10;

    [Setting("Untimed warm-up steps")]
    public int Warmup { get; init; } = 10;

    /// <summary>synthetic (random tensors), fashion-mnist-lt (the real pipeline with the full BFT
    /// augmentation), or imagefolder-224 (224-px JPEGs the tool writes itself).</summary>
    [Setting("synthetic | fashion-mnist-lt | imagefolder-224")]
    public string Source { get; init; } = "synthetic";

    [Setting("manual | fused")]
    public string Attention { get; init; } = "manual";

    /// <summary>auto, fp32 or bf16 (<see cref="Livt.Runtime.PrecisionPolicy"/>): training's mixed precision for
    /// train and pretrain, a bf16 copy of the model for infer (ONNX Runtime always runs the fp32 graph).</summary>
    [Setting("auto | fp32 | bf16: auto is bf16 where the device has it natively (train/pretrain: bf16 compute with fp32 master weights, as " +
        "training does; infer: a bf16 copy)")]
    public string Precision { get; init; } = "auto";

    [Setting("cpu | cuda | cuda:N")]
    public string Device { get; init; } = "cpu";

    [Setting("Fashion-MNIST folder")]
    public string? DataDir { get; init; }

    /// <summary>infer only: torchsharp, onnxruntime (the model exported to ONNX, CPU) or both in one run.</summary>
    [Setting("torchsharp | onnxruntime (the model exported to ONNX, run by ONNX Runtime on the CPU) | both, in one run")]
    public string Engine { get; init; } = "torchsharp";

    /// <summary>pretrain only: the <c>--method</c> of the timed run; several, comma-separated, are timed side by side
    /// in alternating blocks (<see cref="PretrainComparison"/>).</summary>
    [Setting("Pretraining method, or several comma-separated (mae,moco-v3,byol,dcl,dclw,mimco) timed side by side in alternating blocks on " +
        "batches in memory")]
    public string Method { get; init; } = "mae";

    public int Seed { get; init; }

    /// <summary>pretrain only: further run settings (recipe keys, JSON or plain values), each given to the methods that
    /// read it (<c>ssl_hidden_dim</c>, <c>teacher</c>, …) or to all of them (<c>batch_size</c>, <c>mask_ratio</c>, …).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The defaults of <paramref name="mode"/>: the loader alone (data) reads real images.</summary>
    public static BenchOptions ForMode(string mode) => new() { Mode = mode, Source = mode == "data" ? "fashion-mnist-lt" : "synthetic" };

    /// <summary>Whether <paramref name="mode"/> reads the setting with recipe key <paramref name="key"/>: the engine only
    /// infer's, the method only pretrain's.</summary>
    public static bool Offers(string mode, string key) => key switch
    {
        "engine" => mode == "infer",
        "method" => mode == "pretrain",
        _ => true,
    };
}
