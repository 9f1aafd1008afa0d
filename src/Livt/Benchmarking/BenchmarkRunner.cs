using System.Diagnostics;
using Livt.Augmentation;
using Livt.Data;
using Livt.Losses;
using Livt.Models;
using Livt.Runtime;
using Livt.Training;
using Livt.Engine.Optimization;
using TorchSharp;
using static TorchSharp.torch;

using Livt.Engine;

namespace Livt.Benchmarking;

/// <summary>
/// Measures training, pretraining, inference and loader throughput the way users pay for it: median
/// images/s over timed steps after a warm-up, a per-step breakdown, the same step on in-memory tensors
/// (so the loader's cost shows as a ratio), and resident memory including native allocations.
/// </summary>
public static class BenchmarkRunner
{
    /// <summary>Runs one benchmark. <paramref name="progress"/> receives a line per phase.</summary>
    public static BenchResult Run(BenchOptions o, Action<string>? progress = null)
    {
        progress ??= _ => { };
        if (o.Mode is not ("train" or "pretrain" or "infer" or "data"))
            throw new LivtException($"bench mode '{o.Mode}': expected train, pretrain, infer or data");
        if (o.Source is not ("synthetic" or "fashion-mnist-lt" or "imagefolder-224"))
            throw new LivtException($"--source {o.Source}: expected synthetic, fashion-mnist-lt or imagefolder-224");
        if (o.Mode == "data" && o.Source == "synthetic")
            throw new LivtException("bench data measures a real loader: pass --source fashion-mnist-lt or imagefolder-224");
        if (o.Steps < 1 || o.Warmup < 0) throw new LivtException("--steps must be at least 1 and --warmup at least 0");
        if (MixedPrecision.IsBf16(o.Precision) && o.Mode is not ("train" or "pretrain"))
            throw new LivtException($"--precision bf16 applies to bench train and pretrain, not {o.Mode}");
        if (o.Engine is not ("torchsharp" or "onnxruntime" or "both"))
            throw new LivtException($"--engine {o.Engine}: expected torchsharp, onnxruntime or both");
        if (o.Engine != "torchsharp" && (o.Mode != "infer" || o.Device != "cpu"))
            throw new LivtException($"--engine {o.Engine} applies to bench infer on the cpu");
        if (o.Engine == "both")
            return OnnxRuntimeInference.Combine(Run(o with { Engine = "torchsharp" }, progress), Run(o with { Engine = "onnxruntime" }, progress));
        LivtRuntime.Initialize(o.Threads);
        var device = TrainingDevice.Parse(o.Device);
        torch.manual_seed(o.Seed);

        var data = o.Source == "synthetic" ? null : LoadSource(o, progress);
        var preset = ModelPresets.Get(o.Model);
        int channels = data?.Train.Channels ?? preset.InChans;
        int classes = data?.Train.NumClasses ?? preset.NumClasses;
        var config = preset with
        {
            ImageSize = o.ImageSize ?? preset.ImageSize, InChans = channels, NumClasses = classes,
            DropPathRate = o.Mode == "train" ? 0.1 : 0,
            Attention = o.Attention == "fused" ? AttentionImpl.Fused : AttentionImpl.Manual,
        };
        var (mean, std) = data is null ? (Enumerable.Repeat(0.5f, channels).ToArray(), Enumerable.Repeat(0.25f, channels).ToArray()) : Normalization.For(o.Source == "fashion-mnist-lt" ? "fashion-mnist-lt" : "imagefolder", data.Train);
        var loader = data is null ? null : new DataLoader(data.Train,
            o.Mode == "pretrain" ? TransformPipelines.MgpTrain(config.ImageSize, mean, std)
            : o.Mode == "infer" ? TransformPipelines.Eval(config.ImageSize, mean, std)
            : TransformPipelines.BftTrain(new AugmentationOptions { InputSize = config.ImageSize }, mean, std),
            new LoaderOptions { BatchSize = o.BatchSize, Seed = o.Seed, Workers = o.Workers, Shuffle = o.Mode != "infer", DropLast = true });

        var step = o.Mode == "data" ? null : BuildStep(o, config, classes, device, data, mean, std);
        StepTimings? bare = null;
        StepTimings total, wait = new();
        var rss = new RssTracker();
        if (step is not null)
        {
            progress($"{(o.Engine == "onnxruntime" ? "ONNX Runtime: " : "")}bare {o.Mode} step on in-memory tensors: {o.Warmup} warm-up + {o.Steps} timed steps");
            using var x = torch.randn(o.BatchSize, channels, config.ImageSize, config.ImageSize, device: device);
            using var y = torch.randint(0, classes, o.BatchSize, dtype: int64, device: device);
            bare = new StepTimings();
            for (int i = 0; i < o.Warmup + o.Steps; i++)
            {
                var clock = Stopwatch.StartNew();
                using (torch.NewDisposeScope()) step.Run(x, y, i >= o.Warmup);
                if (i < o.Warmup) continue;
                bare.Add(clock.Elapsed.TotalSeconds);
                rss.Sample();
            }
        }
        if (loader is null)
        {
            // Synthetic source: the bare step is the whole step.
            total = bare!;
        }
        else
        {
            progress($"{(o.Engine == "onnxruntime" ? "ONNX Runtime: " : "")}{o.Mode} on {o.Source} with the real loader: {o.Warmup} warm-up + {o.Steps} timed steps");
            step?.ResetParts();
            total = new StepTimings();
            rss = new RssTracker();
            int epoch = 0;
            var batches = loader.Epoch(epoch).GetEnumerator();
            for (int i = 0; i < o.Warmup + o.Steps; i++)
            {
                var clock = Stopwatch.StartNew();
                if (!batches.MoveNext())
                {
                    batches.Dispose();
                    batches = loader.Epoch(++epoch).GetEnumerator();
                    if (!batches.MoveNext()) throw new LivtException($"{o.Source}: smaller than one batch of {o.BatchSize}");
                }
                double waited = clock.Elapsed.TotalSeconds;
                using (var batch = batches.Current)
                using (torch.NewDisposeScope())
                    step?.Run(batch.Images.to(device), batch.Labels.to(device), i >= o.Warmup);
                if (i < o.Warmup) continue;
                total.Add(clock.Elapsed.TotalSeconds);
                wait.Add(waited);
                rss.Sample();
            }
            batches.Dispose();
        }

        double ips = o.BatchSize / total.Median;
        double peak = ProcessMemory.PeakResidentMb();
        double? bareIps = bare is null ? null : o.BatchSize / bare.Median;
        return new BenchResult
        {
            Mode = o.Mode, Model = o.Model, Source = o.Source, ImageSize = config.ImageSize, BatchSize = o.BatchSize,
            Steps = o.Steps, Warmup = o.Warmup,
            ImagesPerSecond = ips, ImagesPerSecondMin = o.BatchSize / total.Max, ImagesPerSecondMax = o.BatchSize / total.Min,
            BareImagesPerSecond = bareIps, LoaderRatio = bareIps is null || loader is null ? null : ips / bareIps,
            Breakdown = step is { } st && o.Mode != "infer"
                ? new StepBreakdown(loader is null ? 0 : wait.Median * 1000, st.Parts[0].Median * 1000, st.Parts[1].Median * 1000, st.Parts[2].Median * 1000)
                : null,
            PeakRssMb = peak,
            RssStartMb = rss.StartMb, RssEndMb = rss.EndMb,
            RssGrowthMbPer100Steps = rss.GrowthMbPer100Steps,
            RssGrowthPercentOfPeak = rss.GrowthPercentOfPeak(peak),
            RssTraceMb = rss.Trace(),
            Precision = o.Precision,
            Threads = torch.get_num_threads(), Workers = o.Workers == 0 ? Environment.ProcessorCount : o.Workers,
            Device = o.Device, Attention = o.Attention, AllocatorTuned = LivtRuntime.AllocatorTuned,
            Versions = new Dictionary<string, string>
            {
                ["livt"] = LivtRuntime.Version,
                ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString() ?? "",
                ["libtorch"] = torch.__version__,
                ["dotnet"] = Environment.Version.ToString(),
            }.Concat(o.Engine == "onnxruntime" ? [new("onnxruntime", OnnxRuntimeInference.Version)] : []).ToDictionary(),
            Engine = o.Engine,
        };
    }

    private static DatasetSplits LoadSource(BenchOptions o, Action<string> progress)
    {
        if (o.Source == "fashion-mnist-lt")
            return DatasetCatalog.Load(new DatasetOptions { Name = "fashion-mnist-lt", DataDir = o.DataDir, Seed = o.Seed });
        var root = SyntheticImageFolder.Ensure(Path.Combine(Path.GetTempPath(), "livt-bench-imagefolder-224"), progress);
        return DatasetCatalog.Load(new DatasetOptions { Name = "imagefolder", DataDir = root });
    }

    private static BenchStep BuildStep(BenchOptions o, VitConfig config, int classes, Device device, DatasetSplits? data, float[] mean, float[] std)
    {
        if (o.Mode == "pretrain")
        {
            var mae = new MaskedAutoencoder(config);
            mae.to(device);
            var groups = ParamGroups.WeightDecay(mae.named_parameters(), 0.05);
            var opt = OptimizerFactory.AdamW(groups, 1.5e-4, 0.9, 0.95);
            var maeMixed = MixedPrecision.For(o.Precision, mae, () => new MaskedAutoencoder(config), device);
            var maeCompute = (MaskedAutoencoder?)maeMixed?.Work ?? mae;
            return new BenchStep((x, _) => maeCompute.Forward(x.to(MixedPrecision.InputType(maeMixed)), o.MaskRatio).Loss.to(ScalarType.Float32), opt, maeMixed);
        }
        var vit = new VisionTransformer(config);
        vit.to(device);
        if (o.Mode == "infer")
        {
            vit.eval();
            if (o.Engine == "onnxruntime")
            {
                var ort = new OnnxRuntimeInference(vit, mean, std, torch.get_num_threads());
                return new BenchStep((x, _) => ort.Forward(x), null);
            }
            return new BenchStep((x, _) => { using var _g = torch.no_grad(); return vit.forward(x); }, null);
        }
        var counts = data is null
            ? Enumerable.Range(0, classes).Select(c => (long)Math.Max(1, 6000 * Math.Pow(0.01, c / Math.Max(1.0, classes - 1)))).ToArray()
            : DatasetStats.ClassCounts(data.Train);
        var loss = LossFactory.Create("bal-bce", counts);
        var mixer = new MixupCutmix(0.8, 1.0, 0.5, 1.0, 0.1, classes, o.Seed);
        var pg = ParamGroups.LayerDecay(vit.named_parameters(), config.Depth, 0.05, 0.75);
        var optimizer = OptimizerFactory.AdamW(pg, 1e-3, 0.9, 0.99);
        var vitMixed = MixedPrecision.For(o.Precision, vit, () => new VisionTransformer(config), device);
        var vitCompute = (VisionTransformer?)vitMixed?.Work ?? vit;
        return new BenchStep((x, y) =>
        {
            var (mixed, targets, _) = mixer.Apply(x, y);
            return loss.Forward(vitCompute.forward(mixed.to(MixedPrecision.InputType(vitMixed))).to(ScalarType.Float32), targets);
        }, optimizer, vitMixed);
    }

    /// <summary>One step (forward, backward, optimizer) with its parts timed.</summary>
    private sealed class BenchStep(Func<Tensor, Tensor, Tensor> forward, optim.Optimizer? optimizer, MixedPrecision? mixed = null)
    {
        /// <summary>Forward, backward and optimizer timings.</summary>
        public StepTimings[] Parts { get; private set; } = [new(), new(), new()];

        public void ResetParts() => Parts = [new(), new(), new()];

        public void Run(Tensor x, Tensor y, bool timed)
        {
            var clock = Stopwatch.StartNew();
            var output = forward(x, y);
            if (optimizer is null)
            {
                _ = output.sum().item<float>();
                if (timed) Parts[0].Add(clock.Elapsed.TotalSeconds);
                return;
            }
            _ = output.item<float>();
            double f = clock.Elapsed.TotalSeconds;
            output.backward();
            mixed?.PullGrads();
            double b = clock.Elapsed.TotalSeconds;
            optimizer.step();
            optimizer.zero_grad();
            mixed?.PushWeights();
            double s = clock.Elapsed.TotalSeconds;
            if (!timed) return;
            Parts[0].Add(f);
            Parts[1].Add(b - f);
            Parts[2].Add(s - b);
        }
    }
}
