using System.Diagnostics;
using Livt.Data;
using Livt.Engine;
using Livt.Models;
using Livt.Runtime;
using Livt.Training.Pretraining;
using Livt.Training.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Benchmarking;

/// <summary>
/// <c>livt bench pretrain --method a,b,…</c>: the pretraining steps of several methods timed side by side in one
/// process — each the step its run takes (<see cref="TrainingBenchStep.Pretrain"/>) on a batch already in memory
/// with the method's views — in blocks that take turns until every method has its timed steps. Load from other
/// work on the machine then slows every method alike, so their ratio holds where absolute speeds do not.
/// </summary>
public static class PretrainComparison
{
    /// <summary>Times the methods of <paramref name="o"/>.<see cref="BenchOptions.Method"/> (comma-separated).</summary>
    /// <exception cref="LivtException">A method is unknown or its settings do not check, or the options do not apply.</exception>
    public static PretrainComparisonResult Run(BenchOptions o, Action<string>? progress = null)
    {
        progress ??= _ => { };
        var names = o.Method.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (o.Mode != "pretrain" || names.Length < 2)
            throw new LivtException("a side-by-side comparison times two or more pretraining methods: bench pretrain --method a,b");
        if (o.Source != "synthetic")
            throw new LivtException("bench pretrain with several methods times their steps on batches in memory: leave --source synthetic");
        if (o.Steps < 1 || o.Warmup < 0 || o.BlockSteps < 1)
            throw new LivtException("--steps and --block-steps must be at least 1 and --warmup at least 0");
        LivtRuntime.Initialize(o.Threads);
        var device = TrainingDevice.Parse(o.Device);
        var precision = PrecisionPolicy.Resolve(o.Precision, device);
        torch.manual_seed(o.Seed);
        var preset = ModelPresets.Get(o.Model);

        var entries = new List<Entry>();
        try
        {
            foreach (var name in names)
            {
                var run = BenchmarkRunner.RunConfig(o with { Method = name });
                var method = PretrainingMethods.Check(run);
                var config = RunSetup.ModelConfig(run, preset.InChans, preset.NumClasses, dropPath: 0);
                int views = method.Views(run, config.ImageSize, [0.5f], [0.25f]).Count;
                long[] shape = views == 1
                    ? [o.BatchSize, config.InChans, config.ImageSize, config.ImageSize]
                    : [o.BatchSize, views, config.InChans, config.ImageSize, config.ImageSize];
                var batch = new Batch(CpuRandom.Randn(shape, device, null), torch.zeros(o.BatchSize, dtype: int64, device: device),
                    Enumerable.Range(0, o.BatchSize).ToArray(), 0);
                entries.Add(new Entry(method.Name, views, TrainingBenchStep.Pretrain(run, config, precision, device, SingleProcessParallel.Instance), batch));
            }
            progress($"{string.Join(", ", entries.Select(e => e.Method))}: {o.Warmup} warm-up steps each, then blocks of {o.BlockSteps} in turn until each " +
                $"has {o.Steps} timed steps");
            foreach (var e in entries)
                for (int i = 0; i < o.Warmup; i++) e.Step(timed: false);
            while (entries.Any(e => e.Times.Count < o.Steps))
                foreach (var e in entries.Where(e => e.Times.Count < o.Steps))
                    for (int i = 0; i < o.BlockSteps && e.Times.Count < o.Steps; i++) e.Step(timed: true);

            double first = entries[0].Median;
            var cpu = CpuFeatures.Current;
            return new PretrainComparisonResult
            {
                Model = o.Model, BatchSize = o.BatchSize, Steps = o.Steps, Warmup = o.Warmup, BlockSteps = o.BlockSteps,
                Settings = o.Settings, Precision = precision.Precision, PrecisionReason = precision.Reason, Threads = torch.get_num_threads(),
                Cpu = new CpuInfo(cpu.ModelName, cpu.Vendor, cpu.Family, cpu.Mhz, cpu.Cores, cpu.ComputeFlags),
                Methods = entries.Select(e => new MethodThroughput(e.Method, e.Views, o.BatchSize / e.Median, o.BatchSize / e.Times.Max(),
                    o.BatchSize / e.Times.Min(), e.Median * 1000, first / e.Median)).ToList(),
            };
        }
        finally
        {
            foreach (var e in entries) e.Dispose();
        }
    }

    private sealed class Entry(string method, int views, TrainingBenchStep step, Batch batch) : IDisposable
    {
        private int _index;

        public string Method => method;
        public int Views => views;
        public List<double> Times { get; } = [];
        public double Median => StepTimings.MedianOf(Times);

        public void Step(bool timed)
        {
            var clock = Stopwatch.StartNew();
            using (torch.NewDisposeScope()) step.Run(batch, _index++, timed);
            if (timed) Times.Add(clock.Elapsed.TotalSeconds);
        }

        public void Dispose()
        {
            step.Dispose();
            batch.Dispose();
        }
    }
}

/// <summary>One method's throughput in a side-by-side comparison.</summary>
/// <param name="Method">The <c>--method</c>.</param>
/// <param name="Views">Views per image its step takes.</param>
/// <param name="ImagesPerSecond">Batch over the median step time.</param>
/// <param name="ImagesPerSecondMin">Over the slowest step.</param>
/// <param name="ImagesPerSecondMax">Over the fastest step.</param>
/// <param name="MedianStepMs">Median step time.</param>
/// <param name="RelativeToFirst">Its images/s over the first method's.</param>
public sealed record MethodThroughput(string Method, int Views, double ImagesPerSecond, double ImagesPerSecondMin, double ImagesPerSecondMax,
    double MedianStepMs, double RelativeToFirst);

/// <summary>What <c>livt bench pretrain --method a,b,…</c> reports (serialised snake_case).</summary>
public sealed record PretrainComparisonResult
{
    public required string Model { get; init; }
    public required int BatchSize { get; init; }
    public required int Steps { get; init; }
    public required int Warmup { get; init; }
    public required int BlockSteps { get; init; }
    /// <summary>The <c>--set</c> settings, each applied to the methods that read it.</summary>
    public required IReadOnlyDictionary<string, string> Settings { get; init; }
    public required string Precision { get; init; }
    public required string PrecisionReason { get; init; }
    public required int Threads { get; init; }
    public required CpuInfo Cpu { get; init; }
    /// <summary>The methods in the order given.</summary>
    public required IReadOnlyList<MethodThroughput> Methods { get; init; }
}
