using System.Diagnostics;
using Livt.Distributed;
using Livt.Engine;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Benchmarking;

/// <summary>
/// All-reduce bandwidth between the processes of a job: flat buffers of growing size, then the gradient
/// averaging of a real model's parameter store, as training does it once per optimizer step. Every
/// repetition starts after a barrier, so the time is the collective's, not the processes' skew.
/// </summary>
public static class AllReduceBenchmark
{
    private static readonly long[] FlatSizes = [64 << 10, 1 << 20, 4 << 20, GradientSynchronizer.DefaultBucketBytes];

    /// <summary>
    /// Joins the job the launcher started (a single process measures nothing useful but runs) and
    /// measures on every process; <paramref name="onFatal"/> receives the message of a collective that timed out.
    /// </summary>
    public static AllReduceBenchResult Run(AllReduceBenchOptions options, Action<string>? onFatal = null)
    {
        if (options.Iterations <= 0) throw new LivtException($"--iterations must be positive, got {options.Iterations}");
        if (options.Warmup < 0) throw new LivtException($"--warmup must be 0 or more, got {options.Warmup}");
        var config = ModelPresets.Get(options.Model);
        LivtRuntime.Initialize(options.Threads);
        var launch = LaunchEnvironment.Detect();
        var device = ProcessGroups.LocalDevice(TrainingDevice.Parse(options.Device), launch);
        using var group = ProcessGroups.Create(launch, device, new DistributedOptions { CollectiveTimeout = options.CollectiveTimeout, OnFatal = onFatal });
        using var model = new VisionTransformer(config);
        model.to(device);
        using var store = ParameterStore.Create(ParamGroups.WeightDecay(model.named_parameters(), 0));
        long count = store.NumberOfElements;
        using (torch.no_grad())
            foreach (var b in store.Buffers) CpuRandom.Normal_(b.Grad, 0, 1, null);

        var flat = FlatSizes.Where(b => b < count * 4).Append(count * 4)
            .Select(bytes => FlatAllReduce(group, bytes, device, options)).ToList();
        var sync = new GradientSynchronizer(group, store, options.BucketBytes);
        var synchronizer = Measure(group, count * 4, options, sync.AverageGradients);
        return new AllReduceBenchResult
        {
            Rank = group.Rank,
            Backend = group.Backend,
            Library = group switch
            {
                MpiProcessGroup mpi => mpi.LibraryVersion,
                NcclProcessGroup nccl => nccl.LibraryVersion,
                _ => "none",
            },
            WorldSize = group.WorldSize, Model = options.Model, Parameters = count, GradientBytes = count * 4,
            BucketBytes = options.BucketBytes, Buckets = sync.BucketCount, Iterations = options.Iterations,
            Flat = flat, Synchronizer = synchronizer,
        };
    }

    private static AllReducePoint FlatAllReduce(IProcessGroup group, long bytes, Device device, AllReduceBenchOptions options)
    {
        using var buffer = torch.ones(bytes / 4, ScalarType.Float32, device);
        return Measure(group, bytes, options, () => group.AllReduce(buffer));
    }

    private static AllReducePoint Measure(IProcessGroup group, long bytes, AllReduceBenchOptions options, Action collective)
    {
        var timings = new StepTimings();
        for (int i = 0; i < options.Warmup + options.Iterations; i++)
        {
            group.Barrier();
            var clock = Stopwatch.StartNew();
            collective();
            if (i >= options.Warmup) timings.Add(clock.Elapsed.TotalSeconds);
        }
        double algorithm = bytes / timings.Median / 1e9;
        return new AllReducePoint(bytes, timings.Median * 1e3, timings.Min * 1e3, algorithm,
            algorithm * 2 * (group.WorldSize - 1) / Math.Max(group.WorldSize, 1));
    }
}
