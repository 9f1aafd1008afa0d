using System.CommandLine;
using System.Text.Json;
using Livt.Benchmarking;
using Livt.Distributed;
using static TorchSharp.torch;

namespace Livt.Cli;

/// <summary><c>livt distributed info|bench</c>: check and measure a multi-process launch (run them under mpirun or srun).</summary>
internal static class DistributedCommands
{
    public static Command Distributed()
    {
        var info = new Command("info", "Under mpirun/srun: every process prints the rank, world size, local rank and backend it joined with.");
        info.SetAction(_ =>
        {
            var launch = LaunchEnvironment.Detect();
            using var group = ProcessGroups.Create(launch, CPU, new DistributedOptions { OnFatal = Processes.PrintFatal });
            string library = group is MpiProcessGroup mpi ? $", {mpi.LibraryVersion}" : "";
            Console.WriteLine($"rank {group.Rank} of {group.WorldSize}, local rank {group.LocalRank}, backend {group.Backend}{library}; {launch.Describe()}");
            group.Barrier();
            return 0;
        });

        var defaults = new AllReduceBenchOptions();
        var model = new Option<string>("--model") { DefaultValueFactory = _ => defaults.Model, Description = "Model preset whose gradients are averaged" };
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => defaults.Iterations,
            Description = "Timed repetitions (median reported)" };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => defaults.Warmup, Description = "Untimed repetitions first" };
        var bucketMb = new Option<double>("--bucket-mb") { DefaultValueFactory = _ => defaults.BucketBytes / 1048576.0,
            Description = "Largest single all-reduce of the gradient buffer, in MiB (DDP's bucket_cap_mb)" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => defaults.Device, Description = "cpu (MPI) | cuda (NCCL)" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads per process (default: libtorch's)" };
        var json = new Option<string?>("--json") { Description = "Write rank 0's JSON here instead of stdout" };
        var bench = new Command("bench", "All-reduce bandwidth: flat buffers up to the model's gradient size, then the gradient averaging training does " +
            "(in-place all-reduces of the parameter store's gradient buffer), as JSON from rank 0.")
        {
            model, iterations, warmup, bucketMb, device, threads, json,
        };
        bench.SetAction(parse =>
        {
            var result = AllReduceBenchmark.Run(new AllReduceBenchOptions
            {
                Model = parse.GetValue(model)!, Iterations = parse.GetValue(iterations), Warmup = parse.GetValue(warmup),
                BucketBytes = (long)(parse.GetValue(bucketMb) * 1048576), Device = parse.GetValue(device)!, Threads = parse.GetValue(threads),
            }, Processes.PrintFatal);
            if (result.Rank != 0) return 0;
            var text = JsonSerializer.Serialize(result, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                WriteIndented = true });
            if (parse.GetValue(json) is { } path) Livt.Interop.AtomicFile.WriteText(path, text + "\n");
            else Console.WriteLine(text);
            return 0;
        });
        return new Command("distributed", "Multi-process (data-parallel) launch tools; see docs/DISTRIBUTED.md.") { info, bench };
    }
}
