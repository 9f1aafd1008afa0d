using System.Text.Json;
using System.Text.Json.Serialization;
using Livt.Methods;

namespace Livt.Configuration;

public sealed partial record TrainConfig
{
    // --- run ---
    [Setting("Random seed (data subset, initialisation, order, augmentation)")]
    public int Seed { get; init; }

    [Setting("libtorch threads (default: all cores; under mpirun/srun, the cores divided among the processes on the machine)")]
    public int Threads { get; init; }

    [Setting("Data-loader threads (default: the cores libtorch's threads leave free, or half the cores when they take all; at least 1)")]
    public int Workers { get; init; }

    [Setting("cpu / cuda / cuda:N")]
    public string Device { get; init; } = "cpu";

    [Setting("Multi-process runs: seconds a process waits in one collective (gradient averaging, evaluation, the checks at start) before it decides another " +
        "process died or hung and ends the job")]
    public double DistTimeout { get; init; } = Livt.Distributed.DistributedOptions.DefaultTimeout.TotalSeconds;

    [Setting("auto / fp32 / bf16: auto computes in bf16 (fp32 master weights) where the device has it natively (CPU flag amx_bf16 or avx512_bf16, CUDA " +
        "compute capability 8.0+), else in fp32; elsewhere bf16 is emulated, ~30x slower (docs/PERFORMANCE.md)")]
    public string Precision { get; init; } = "auto";

    /// <summary>The precision the run computes in, "fp32" or "bf16": <see cref="Precision"/> decided once when
    /// the run starts (<see cref="Runtime.PrecisionPolicy"/>) and kept by a resumed run; null until then. Not a
    /// setting: config.json records it beside <see cref="PrecisionReason"/>.</summary>
    public string? PrecisionUsed { get; init; }

    /// <summary>Why <see cref="PrecisionUsed"/> was chosen, e.g. "bf16: CPU has avx512_bf16".</summary>
    public string? PrecisionReason { get; init; }

    [Setting("Run folder (default: runs/<stage>-<time>)", PerStage = true)]
    public string? Out { get; init; }

    [Setting("Validate every N epochs (with a validation split)")]
    public int EvalEvery { get; init; }

    [Setting("Keep best.safetensors, chosen on the validation split (needs one: --val-list, val/, or --val-fraction)", FinetuneOnly = true)]
    public bool SaveBest { get; init; }

    [Setting("Also write a resumable checkpoint every N optimizer steps within an epoch (the last two are kept)")]
    public int? SaveEverySteps { get; init; }

    /// <summary>The batch the learning rate is scaled by: batch × accumulation steps × processes.</summary>
    public int EffectiveBatch(int worldSize = 1) => BatchSize * AccumIter * worldSize;

    /// <summary>The values of the settings the registered methods declare in their own options records
    /// (<see cref="LongTailMethod.OptionsType"/>), by recipe key: config.json keeps them beside the others, as
    /// flat keys. Read them typed with <see cref="Options{T}"/>.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? MethodSettings { get; init; }

    /// <summary>The options record <typeparamref name="T"/> of a method, from <see cref="MethodSettings"/>
    /// (its defaults where a value is absent, as in a run folder written before the method existed).</summary>
    public T Options<T>() where T : class, new() => (T)Options(typeof(T));

    /// <summary>The options record of <paramref name="method"/>, or null when it declares none.</summary>
    public object? Options(LongTailMethod method) => method.OptionsType is { } t ? Options(t) : null;

    private object Options(Type type)
    {
        var known = Setting.Of(type).Select(s => s.Key).ToHashSet();
        var values = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in MethodSettings ?? [])
            if (known.Contains(key)) values[key] = System.Text.Json.Nodes.JsonNode.Parse(value.GetRawText());
        return values.Deserialize(type, ConfigResolver.JsonOptions)!;
    }

    /// <summary>What the training loop reads of this run (<see cref="Engine.Trainer"/>, <see cref="Engine.TrainStep"/>),
    /// with the learning rate scaled to <paramref name="worldSize"/> processes.</summary>
    public Engine.TrainerOptions TrainerOptions(int worldSize = 1) => new()
    {
        Epochs = Epochs, StepsPerEpoch = StepsPerEpoch, BatchSize = BatchSize, DataName = Dataset, Lr = ResolvedLr(worldSize),
        MinLr = MinLr, WarmupEpochs = WarmupEpochs, AccumIter = AccumIter, ClipGrad = ClipGrad, SamRho = SamRho, Seed = Seed,
        SaveEverySteps = SaveEverySteps,
    };

    /// <summary>The learning rate actually used (the official rule: blr × global effective batch / 256).</summary>
    public double ResolvedLr(int worldSize = 1) => Lr ?? Livt.Optimization.LrSchedule.FromBase(Blr, EffectiveBatch(worldSize));

    /// <summary>The run's optimizer (<see cref="Optimizer"/>) over <paramref name="store"/> at <paramref name="lr"/>; the
    /// store's groups carry the weight decay and the layer-wise lr scales.</summary>
    public Livt.Optimization.FlatOptimizer CreateOptimizer(Livt.Optimization.ParameterStore store, double lr) => Optimizer switch
    {
        Livt.Optimization.OptimizerKind.Sgd => new Livt.Optimization.Sgd(store, lr, Momentum ?? DefaultMomentum),
        _ => new Livt.Optimization.AdamW(store, lr, Beta1, Beta2),
    };

    /// <summary>SGD's momentum when --momentum is not given: the official recipes' 0.9.</summary>
    public const double DefaultMomentum = 0.9;
}
