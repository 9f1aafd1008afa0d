using System.CommandLine;
using System.Text.Json;
using Livt.Benchmarking;

namespace Livt.Cli;

/// <summary><c>livt bench train|pretrain|infer|data</c> (and <c>soak</c>, <see cref="SoakCommand"/>).</summary>
internal static class BenchCommands
{
    public static Command Bench()
    {
        var bench = new Command("bench", "Throughput, step breakdown, loader overhead, share of the CPU's or GPU's peak and memory, as JSON. Past warm-up, " +
            "median over the timed steps; bare and end-to-end steps alternate in blocks. Under mpirun/srun, train and pretrain run data-parallel on every " +
            "process and rank 0 reports the whole job's images/s and the all-reduce time per step.");
        foreach (var (mode, what) in new[]
                 {
                     ("train", "fine-tuning step of a quick-start run (the trainer's TrainStep): forward, Bal-BCE, backward, AdamW"),
                     ("pretrain", "pretraining step of a quick-start run (the trainer's TrainStep) with its --method (MAE by default): forward, backward, " +
                         "AdamW; several methods, comma-separated, are timed side by side"),
                     ("infer", "forward only, eval mode"),
                     ("data", "the loader alone, full augmentation"),
                 })
            bench.Add(ModeCommand(mode, what));
        bench.Add(SoakCommand.Create());
        return bench;
    }

    private static Command ModeCommand(string mode, string what)
    {
        var o = new ModeOptions(mode);
        var command = new Command(mode, $"Benchmark the {what}.")
        {
            o.Model, o.ImageSize, o.Batch, o.Threads, o.Workers, o.Steps, o.BlockSteps, o.Warmup, o.Source, o.Attention, o.Precision, o.Device,
            o.DataDir, o.Json,
        };
        if (mode == "infer") command.Add(o.Engine);
        if (mode == "pretrain")
        {
            command.Add(o.Method);
            command.Add(o.Set);
        }
        command.SetAction(parse => Run(mode, o, parse));
        return command;
    }

    private static int Run(string mode, ModeOptions o, ParseResult parse)
    {
        var settings = (parse.GetValue(o.Set) ?? []).Select(kv => kv.Split('=', 2)).ToDictionary(
            kv => kv.Length == 2 ? kv[0].Trim() : throw new Livt.LivtException($"--set {kv[0]}: expected KEY=VALUE"), kv => kv[1].Trim());
        var methods = mode == "pretrain" ? parse.GetValue(o.Method)! : ModeOptions.Defaults.Method;
        if (methods.Contains(','))
        {
            var comparison = PretrainComparison.Run(new BenchOptions
            {
                Mode = mode, Model = parse.GetValue(o.Model)!, BatchSize = parse.GetValue(o.Batch), Threads = parse.GetValue(o.Threads),
                Steps = parse.GetValue(o.Steps), BlockSteps = parse.GetValue(o.BlockSteps), Warmup = parse.GetValue(o.Warmup),
                Source = parse.GetValue(o.Source)!, Attention = parse.GetValue(o.Attention)!, Device = parse.GetValue(o.Device)!,
                Precision = parse.GetValue(o.Precision)!, Method = methods, Settings = settings,
            }, Console.Error.WriteLine);
            Write(JsonSerializer.Serialize(comparison, JsonOptions), parse.GetValue(o.Json));
            return 0;
        }
        // Under mpirun/srun every process joins the job and trains data-parallel; only rank 0 reports.
        using var processes = Processes.Join(parse.GetValue(o.Device)!, Livt.Distributed.DistributedOptions.DefaultTimeout.TotalSeconds);
        var result = BenchmarkRunner.Run(new BenchOptions
        {
            Mode = mode, Model = parse.GetValue(o.Model)!, ImageSize = parse.GetValue(o.ImageSize), BatchSize = parse.GetValue(o.Batch),
            Threads = parse.GetValue(o.Threads), Workers = parse.GetValue(o.Workers), Steps = parse.GetValue(o.Steps),
            BlockSteps = parse.GetValue(o.BlockSteps), Warmup = parse.GetValue(o.Warmup), Source = parse.GetValue(o.Source)!,
            Attention = parse.GetValue(o.Attention)!,
            Device = parse.GetValue(o.Device)!, Precision = parse.GetValue(o.Precision)!, DataDir = parse.GetValue(o.DataDir),
            Engine = mode == "infer" ? parse.GetValue(o.Engine)! : ModeOptions.Defaults.Engine, Method = methods, Settings = settings,
        }, line => { if (processes.Shows) Console.Error.WriteLine(line); }, processes.Parallel);
        if (!processes.Shows) return 0;
        if (result.Processes > 1)
            Console.Error.WriteLine($"{result.Processes} processes ({result.Backend}): {result.JobImagesPerSecond:F1} images/s for the job; " +
                $"all-reduce {result.Breakdown!.AllReduceMs:F1} ms per step ({result.AllReduceShare:P1} of the step)");
        Write(JsonSerializer.Serialize(result, JsonOptions), parse.GetValue(o.Json));
        return 0;
    }

    /// <summary>The options of one bench mode; which of them the mode's command takes is its choice.</summary>
    private sealed class ModeOptions(string mode)
    {
        public static readonly BenchOptions Defaults = new();

        public Option<string> Model { get; } = new("--model") { DefaultValueFactory = _ => Defaults.Model, Description = "Model preset" };

        public Option<int?> ImageSize { get; } = new("--image-size") { Description = "Input size (default: the preset's)" };

        public Option<int> Batch { get; } = new("--batch-size") { DefaultValueFactory = _ => Defaults.BatchSize, Description = "Batch size" };

        public Option<int> Threads { get; } = new("--threads")
        {
            Description = "libtorch threads (default: all cores; under mpirun/srun, each process's share of them)",
        };

        public Option<int> Workers { get; } = new("--workers") { Description = "Loader threads (default: the cores libtorch leaves free, at least 1)" };

        public Option<int> Steps { get; } = new("--steps") { DefaultValueFactory = _ => Defaults.Steps,
            Description = "Timed steps (of each kind with a real --source: bare and end to end)" };

        public Option<int> BlockSteps { get; } = new("--block-steps") { DefaultValueFactory = _ => Defaults.BlockSteps,
            Description = "Steps per block when bare and end-to-end steps alternate" };

        public Option<int> Warmup { get; } = new("--warmup") { DefaultValueFactory = _ => Defaults.Warmup, Description = "Untimed warm-up steps" };

        public Option<string> Source { get; } = new("--source") { DefaultValueFactory = _ => mode == "data" ? "fashion-mnist-lt" : "synthetic",
            Description = "synthetic | fashion-mnist-lt | imagefolder-224" };

        public Option<string> Attention { get; } = new("--attention") { DefaultValueFactory = _ => Defaults.Attention, Description = "manual | fused" };

        public Option<string> Precision { get; } = new("--precision") { DefaultValueFactory = _ => Defaults.Precision,
            Description = "auto | fp32 | bf16: auto is bf16 where the device has it natively (train/pretrain: bf16 compute with fp32 master weights, as " +
            "training does; infer: a bf16 copy)" };

        public Option<string> Device { get; } = new("--device") { DefaultValueFactory = _ => "cpu", Description = "cpu | cuda | cuda:N" };

        public Option<string?> DataDir { get; } = new("--data-dir") { Description = "Fashion-MNIST folder" };

        public Option<string?> Json { get; } = new("--json") { Description = "Write the JSON here instead of stdout" };

        public Option<string> Engine { get; } = new("--engine") { DefaultValueFactory = _ => Defaults.Engine,
            Description = "torchsharp | onnxruntime (the model exported to ONNX, run by ONNX Runtime on the CPU) | both, in one run" };

        public Option<string> Method { get; } = new("--method") { DefaultValueFactory = _ => Defaults.Method,
            Description = "Pretraining method, or several comma-separated (mae,moco-v3,byol,dcl,dclw,mimco) timed side by side in alternating blocks on " +
            "batches in memory" };

        public Option<string[]> Set { get; } = new("--set")
        {
            Description = "A run setting KEY=VALUE (recipe key, e.g. ssl_hidden_dim=1024 or teacher=runs/moco); a method's own setting goes only to " +
                "the methods that read it",
            AllowMultipleArgumentsPerToken = false,
        };
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static void Write(string text, string? path)
    {
        if (path is not null) Livt.Interop.AtomicFile.WriteText(path, text + "\n");
        else Console.WriteLine(text);
    }
}
