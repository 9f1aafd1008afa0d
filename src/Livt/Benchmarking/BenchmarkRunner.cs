using System.Text.Json.Nodes;
using Livt.Augmentation;
using Livt.Configuration;
using Livt.Data;
using Livt.Distributed;
using Livt.Engine;
using Livt.Models;
using Livt.Runtime;
using Livt.Training;
using Livt.Training.Pretraining;
using Livt.Training.Pretraining.Mae;
using Livt.Training.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Benchmarking;

/// <summary>
/// Measures training, pretraining, inference and loader throughput the way users pay for it: median
/// images/s over timed steps after a warm-up, a per-step breakdown, the same step on in-memory tensors
/// (so the loader's cost shows as a ratio), and resident memory including native allocations. Training
/// modes also run data-parallel on the processes of a launcher's job: every process times the same steps,
/// each averaging gradients with the others, and the whole job's throughput and all-reduce time come out.
/// </summary>
public static class BenchmarkRunner
{
    /// <summary>Runs one benchmark. <paramref name="progress"/> receives a line per phase; <paramref name="parallel"/>
    /// is the launcher's job this process joined (train and pretrain only), or null for one process.</summary>
    public static BenchResult Run(BenchOptions o, Action<string>? progress = null, IDataParallel? parallel = null)
    {
        progress ??= _ => { };
        parallel ??= SingleProcessParallel.Instance;
        Check(o);
        if (o.Engine == "both")
            return OnnxRuntimeInference.Combine(Run(o with { Engine = "torchsharp" }, progress, parallel),
                Run(o with { Engine = "onnxruntime" }, progress, parallel));
        // Inference and the loader involve no communication: several processes would only measure a shared machine.
        if (parallel.WorldSize > 1 && o.Mode is not ("train" or "pretrain"))
            throw new LivtException($"bench {o.Mode} times one process; run it without mpirun/srun (only train and pretrain run data-parallel)");
        var launch = LaunchEnvironment.Detect();
        // As a run starts: --threads, else the launcher's share of the cores (all of them without one).
        LivtRuntime.Initialize(o.Threads > 0 ? o.Threads : launch.DefaultThreads);
        var device = ProcessGroups.LocalDevice(TrainingDevice.Parse(o.Device), launch);
        // ONNX Runtime runs the exported fp32 graph whatever --precision says; the value is still checked.
        var precision = o.Engine == "onnxruntime"
            ? PrecisionPolicy.Resolve(o.Precision, device) with { Precision = "fp32", Reason = "fp32: ONNX Runtime runs the exported fp32 graph" }
            : PrecisionPolicy.Resolve(o.Precision, device);
        torch.manual_seed(o.Seed);

        var data = o.Source == "synthetic" ? null : LoadSource(o, progress);
        var preset = ModelPresets.Get(o.Model);
        int channels = data?.Train.Channels ?? preset.InChans;
        int classes = data?.Train.NumClasses ?? preset.NumClasses;
        // Training modes time the step of a run of the quick-start recipe with the bench's flags.
        var run = o.Mode is "train" or "pretrain" ? RunConfig(o) : null;
        var config = ModelConfig(o, run, preset, channels, classes);
        var (mean, std) = data is null
            ? (Enumerable.Repeat(0.5f, channels).ToArray(), Enumerable.Repeat(0.25f, channels).ToArray())
            : Normalization.For(o.Source == "fashion-mnist-lt" ? "fashion-mnist-lt" : "imagefolder", data.Train);
        var loader = Loader(o, run, config, data, mean, std, parallel);

        using var step = BuildStep(o, run, config, device, data, precision, mean, std, parallel);
        var measured = new BenchMeasurement(o, step, loader);
        using (var inMemory = InMemoryBatch(o, run, config, channels, classes, mean, std, device))
        {
            progress(Plan(o, step, loader, precision, parallel));
            measured.Run(inMemory);
        }
        measured.Finish();
        return Result(o, run, config, device, precision, parallel, step, loader, measured);
    }

    /// <summary>The model: the run's for the training modes, else the preset sized to the data, with the bench's attention.</summary>
    private static VitConfig ModelConfig(BenchOptions o, TrainConfig? run, VitConfig preset, int channels, int classes) =>
        run is not null
            ? RunSetup.ModelConfig(run, channels, classes, o.Mode == "train" ? run.DropPath : 0)
            : preset with
            {
                ImageSize = o.ImageSize ?? preset.ImageSize, InChans = channels, NumClasses = classes,
                Attention = o.Attention == "fused" ? AttentionImpl.Fused : AttentionImpl.Manual,
            };

    private static DataLoader? Loader(BenchOptions o, TrainConfig? run, VitConfig config, DatasetSplits? data, float[] mean, float[] std,
        IDataParallel parallel) =>
        data is null ? null
            : run is not null ? o.Mode == "pretrain"
                ? PretrainingMethods.Get(run.Method).Views(run, config.ImageSize, mean, std).Loader(run, data.Train, new RunContext { Parallel = parallel })
                : RunSetup.TrainLoader(run, data.Train, FinetuneRunner.TrainTransform(run, config.ImageSize, mean, std), new RunContext { Parallel = parallel })
            : new DataLoader(data.Train,
                o.Mode == "infer"
                    ? TransformPipelines.Eval(config.ImageSize, mean, std)
                    : TransformPipelines.BftTrain(new AugmentationOptions { InputSize = config.ImageSize }, mean, std),
                new LoaderOptions { BatchSize = o.BatchSize, Seed = o.Seed, Workers = o.Workers, Shuffle = o.Mode != "infer", DropLast = true });

    private static Batch InMemoryBatch(BenchOptions o, TrainConfig? run, VitConfig config, int channels, int classes, float[] mean, float[] std,
        Device device)
    {
        // The bare step's batch: random pixels and labels kept on the device, so no loader and no copy.
        // A multi-view method's batch carries its views: [N, V, C, H, W].
        int views = o.Mode == "pretrain" ? PretrainingMethods.Get(run!.Method).Views(run, config.ImageSize, mean, std).Count : 1;
        long[] shape = views == 1
            ? [o.BatchSize, channels, config.ImageSize, config.ImageSize]
            : [o.BatchSize, views, channels, config.ImageSize, config.ImageSize];
        return new Batch(CpuRandom.Randn(shape, device, null),
            CpuRandom.RandInt(classes, [o.BatchSize], device, null), Enumerable.Range(0, o.BatchSize).ToArray(), 0);
    }

    /// <summary>Rejects a mode, source, step count or engine no benchmark has.</summary>
    private static void Check(BenchOptions o)
    {
        if (o.Mode is not ("train" or "pretrain" or "infer" or "data"))
            throw new LivtException($"bench mode '{o.Mode}': expected train, pretrain, infer or data");
        if (o.Source is not ("synthetic" or "fashion-mnist-lt" or "imagefolder-224"))
            throw new LivtException($"--source {o.Source}: expected synthetic, fashion-mnist-lt or imagefolder-224");
        if (o.Mode == "data" && o.Source == "synthetic")
            throw new LivtException("bench data measures a real loader: pass --source fashion-mnist-lt or imagefolder-224");
        if (o.Steps < 1 || o.Warmup < 0 || o.BlockSteps < 1)
            throw new LivtException("--steps and --block-steps must be at least 1 and --warmup at least 0");
        if (o.Engine is not ("torchsharp" or "onnxruntime" or "both"))
            throw new LivtException($"--engine {o.Engine}: expected torchsharp, onnxruntime or both");
        if (o.Engine != "torchsharp" && (o.Mode != "infer" || o.Device != "cpu"))
            throw new LivtException($"--engine {o.Engine} applies to bench infer on the cpu");
    }

    /// <summary>The line that says what is about to be timed.</summary>
    private static string Plan(BenchOptions o, IBenchStep? step, DataLoader? loader, PrecisionChoice precision, IDataParallel parallel) =>
        (o.Engine == "onnxruntime" ? "ONNX Runtime: " : "") + (step is null
            ? $"loader alone on {o.Source}: {o.Warmup} warm-up + {o.Steps} timed batches"
            : loader is null
                ? $"{o.Mode} step ({precision.Precision}) on in-memory tensors: {o.Warmup} warm-up + {o.Steps} timed steps"
                : $"{o.Mode} step ({precision.Precision}), bare and with the {o.Source} loader in alternating blocks of {o.BlockSteps}: {o.Warmup} " +
                    $"warm-up + {o.Steps} timed steps each")
        + (parallel.WorldSize > 1 ? $", on each of {parallel.WorldSize} processes ({parallel.Group.Backend}), gradients averaged every step" : "");

    private static BenchResult Result(BenchOptions o, TrainConfig? run, VitConfig config, Device device, PrecisionChoice precision,
        IDataParallel parallel, IBenchStep? step, DataLoader? loader, BenchMeasurement m)
    {
        double ips = o.BatchSize / m.Total.Median;
        double peak = ProcessMemory.PeakResidentMb();
        double? bareIps = step is null ? null : o.BatchSize / m.Bare.Median;
        var cpu = CpuFeatures.Current;
        double flops = Flops(o, run, config);
        var gpu = device.type == DeviceType.CUDA ? CudaDriver.TryLoad()?.Device(device.index < 0 ? 0 : device.index) : null;
        var (peakGflops, peakBasis) = Peak(o, device, precision, cpu, gpu);
        var libtorch = LibTorch.Loaded();
        var gc = GC.GetGCMemoryInfo();
        return new BenchResult
        {
            Mode = o.Mode, Model = o.Model, Source = o.Source, ImageSize = config.ImageSize, BatchSize = o.BatchSize,
            Steps = o.Steps, Warmup = o.Warmup, BlockSteps = loader is not null && step is not null ? o.BlockSteps : null,
            ImagesPerSecond = ips, ImagesPerSecondMin = o.BatchSize / m.Total.Max, ImagesPerSecondMax = o.BatchSize / m.Total.Min,
            BareImagesPerSecond = bareIps,
            LoaderRatio = m.Blocks.Count == 0 ? null : StepTimings.MedianOf(m.Blocks.Select(b => b.Bare / b.EndToEnd)),
            LoaderRatioOfTotals = m.Blocks.Count == 0 ? null : m.Blocks.Sum(b => b.Bare) / m.Blocks.Sum(b => b.EndToEnd),
            Breakdown = step is { } st && o.Mode != "infer"
                ? new StepBreakdown(loader is null ? 0 : m.Wait.Median * 1000, PartMs(st, StepPart.Forward), PartMs(st, StepPart.Backward),
                    PartMs(st, StepPart.AllReduce), PartMs(st, StepPart.Optimizer))
                : null,
            Processes = parallel.WorldSize, Backend = parallel.Group.Backend,
            JobImagesPerSecond = parallel.WorldSize * ips,
            AllReduceShare = step is { } s && o.Mode is "train" or "pretrain" ? PartMs(s, StepPart.AllReduce) / 1000 / m.Total.Median : null,
            Compute = step is null || double.IsNaN(flops) ? null : new ComputeUse(
                flops, flops * ips / 1e9, bareIps is { } b ? flops * b / 1e9 : null, peakGflops,
                double.IsNaN(peakGflops) ? null : flops * ips / 1e9 / peakGflops * 100,
                peakBasis,
                CpuShare: m.CpuSeconds / (m.WallSeconds * cpu.Cores)),
            Cpu = new CpuInfo(cpu.ModelName, cpu.Vendor, cpu.Family, cpu.Mhz, cpu.Cores, cpu.ComputeFlags),
            Gpu = gpu,
            PeakRssMb = peak,
            RssStartMb = m.Rss.StartMb, RssEndMb = m.Rss.EndMb,
            RssGrowthMbPer100Steps = m.Rss.GrowthMbPer100Steps,
            ManagedGrowthMbPer100Steps = m.Rss.ManagedGrowthMbPer100Steps,
            RssGrowthPercentOfPeak = m.Rss.GrowthPercentOfPeak(peak),
            RssTraceMb = m.Rss.Trace(),
            ManagedHeapMb = gc.HeapSizeBytes / 1048576.0,
            ManagedCommittedMb = gc.TotalCommittedBytes / 1048576.0,
            MemorySettings = LivtRuntime.MemorySettings(),
            Precision = precision.Precision, PrecisionRequested = precision.Requested, PrecisionReason = precision.Reason,
            Threads = torch.get_num_threads(), Workers = loader?.Workers ?? 0,
            Device = o.Device, Attention = o.Attention, AllocatorTuned = LivtRuntime.AllocatorTuned,
            Versions = Versions(o, libtorch, gpu),
            Engine = o.Engine,
        };
    }

    private static double Flops(BenchOptions o, TrainConfig? run, VitConfig config) => o.Mode switch
    {
        "train" => FlopCount.TrainStep(FlopCount.VitForward(config)),
        // Counted for MAE only; the other methods' extra passes (views, momentum encoders, heads) are not modelled.
        "pretrain" => run!.Method == MaeMethod.Id ? FlopCount.TrainStep(FlopCount.MaeForward(config, run.MaskRatio)) : double.NaN,
        "infer" => FlopCount.VitForward(config),
        _ => double.NaN,
    };

    /// <summary>The device's peak at the run's precision, in GFLOP/s (NaN where unknown), and how it was taken.</summary>
    private static (double Gflops, string Basis) Peak(BenchOptions o, Device device, PrecisionChoice precision, CpuFeatures cpu, GpuDevice? gpu)
    {
        var gpuPeak = gpu is null ? null : GpuPeaks.For(gpu.Name);
        double gflops = device.type == DeviceType.CPU ? cpu.PeakGflops(precision.IsBf16) : gpuPeak?.Gflops(precision.IsBf16) ?? double.NaN;
        string basis = device.type == DeviceType.CPU ? cpu.PeakBasis(precision.IsBf16)
            : gpuPeak?.Basis(precision.IsBf16) ?? $"peak not known for {gpu?.Name ?? o.Device} (the GPUs known: docs/PERFORMANCE.md)";
        return (gflops, basis);
    }

    private static Dictionary<string, string> Versions(BenchOptions o, LibTorchInfo libtorch, GpuDevice? gpu) =>
        new Dictionary<string, string>
        {
            ["livt"] = LivtRuntime.Version,
            ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString() ?? "",
            ["libtorch"] = libtorch.Version ?? "unknown",
            ["libtorch_from"] = $"{libtorch.Directory} ({libtorch.Source})",
            ["libtorch_cuda"] = libtorch.Cuda ?? "none",
            ["dotnet"] = Environment.Version.ToString(),
        }.Concat(o.Engine == "onnxruntime" ? [new("onnxruntime", OnnxRuntimeInference.Version)] : [])
        .Concat(gpu is null ? [] : [new("nvidia_driver", CudaDriver.KernelModuleVersion() ?? "unknown"),
             new("driver_cuda", CudaDriver.TryLoad()?.CudaVersion ?? "unknown")])
        .ToDictionary();

    private static double PartMs(IBenchStep step, StepPart part) => step.Parts[(int)part].Median * 1000;

    private static DatasetSplits LoadSource(BenchOptions o, Action<string> progress)
    {
        if (o.Source == "fashion-mnist-lt")
            return DatasetCatalog.Load(new DatasetOptions { Name = "fashion-mnist-lt", DataDir = o.DataDir, Seed = o.Seed });
        var root = SyntheticImageFolder.Ensure(Path.Combine(Path.GetTempPath(), "livt-bench-imagefolder-224"), progress);
        return DatasetCatalog.Load(new DatasetOptions { Name = "imagefolder", DataDir = root });
    }

    /// <summary>The config of the run whose step <c>bench train</c>/<c>pretrain</c> times: the quick-start
    /// recipe's stage, with the bench's model, size, batch, attention, precision, device, threads, workers
    /// and seed, resolved and checked as <c>livt finetune</c>/<c>pretrain</c> resolve theirs.</summary>
    internal static TrainConfig RunConfig(BenchOptions o)
    {
        var overrides = new JsonObject
        {
            ["model"] = o.Model, ["batch_size"] = o.BatchSize, ["attention"] = o.Attention, ["precision"] = o.Precision,
            ["device"] = o.Device, ["threads"] = o.Threads, ["workers"] = o.Workers, ["seed"] = o.Seed,
        };
        if (o.ImageSize is { } size) overrides["input_size"] = size;
        if (o.Mode == "pretrain")
        {
            var method = PretrainingMethods.Get(o.Method);
            overrides["method"] = method.Name;
            foreach (var (key, text) in o.Settings)
            {
                var setting = Setting.ByKey(key) ?? throw new LivtException($"--set {key}: not a run setting (recipe key)");
                // A method's own setting goes to the methods that read it; any other to every method.
                if (PretrainingMethods.MethodSettings.Contains(setting.Property.Name) && !method.Settings.Contains(setting.Property.Name)) continue;
                overrides[key] = JsonValueOf(text);
            }
        }
        return ConfigResolver.Resolve(o.Mode == "train" ? "finetune" : "pretrain", ConfigResolver.ReadRecipe(QuickStart.Recipe), overrides);
    }

    private static JsonNode? JsonValueOf(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static IBenchStep? BuildStep(BenchOptions o, TrainConfig? run, VitConfig config, Device device, DatasetSplits? data,
        PrecisionChoice precision, float[] mean, float[] std, IDataParallel parallel)
    {
        switch (o.Mode)
        {
            case "pretrain":
                return TrainingBenchStep.Pretrain(run!, config, precision, device, parallel);
            case "train":
                // Without data, a long tail of the preset's classes like Fashion-MNIST-LT's (IF 100) for the loss.
                var counts = data is null
                    ? Enumerable.Range(0, config.NumClasses)
                        .Select(c => (long)Math.Max(1, 6000 * Math.Pow(0.01, c / Math.Max(1.0, config.NumClasses - 1)))).ToArray()
                    : DatasetStats.ClassCounts(data.Train);
                return TrainingBenchStep.Finetune(run!, config, counts, precision, device, parallel);
            case "infer":
                var vit = new VisionTransformer(config);
                vit.to(device);
                return o.Engine == "onnxruntime"
                    ? InferenceBenchStep.OnnxRuntime(vit, mean, std, device)
                    : InferenceBenchStep.TorchSharp(vit, precision, device);
            default:
                return null;
        }
    }
}
