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
        var defaults = new BenchOptions();
        var model = new Option<string>("--model") { DefaultValueFactory = _ => defaults.Model, Description = "Model preset" };
        var imageSize = new Option<int?>("--image-size") { Description = "Input size (default: the preset's)" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => defaults.BatchSize, Description = "Batch size" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: all cores; under mpirun/srun, each process's share of them)" };
        var workers = new Option<int>("--workers") { Description = "Loader threads (default: the cores libtorch leaves free, at least 1)" };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => defaults.Steps,
            Description = "Timed steps (of each kind with a real --source: bare and end to end)" };
        var blockSteps = new Option<int>("--block-steps") { DefaultValueFactory = _ => defaults.BlockSteps,
            Description = "Steps per block when bare and end-to-end steps alternate" };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => defaults.Warmup, Description = "Untimed warm-up steps" };
        var source = new Option<string>("--source") { DefaultValueFactory = _ => mode == "data" ? "fashion-mnist-lt" : "synthetic",
            Description = "synthetic | fashion-mnist-lt | imagefolder-224" };
        var attention = new Option<string>("--attention") { DefaultValueFactory = _ => defaults.Attention, Description = "manual | fused" };
        var precision = new Option<string>("--precision") { DefaultValueFactory = _ => defaults.Precision,
            Description = "auto | fp32 | bf16: auto is bf16 where the device has it natively (train/pretrain: bf16 compute with fp32 master weights, as " +
            "training does; infer: a bf16 copy)" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu", Description = "cpu | cuda | cuda:N" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Fashion-MNIST folder" };
        var json = new Option<string?>("--json") { Description = "Write the JSON here instead of stdout" };
        var engine = new Option<string>("--engine") { DefaultValueFactory = _ => defaults.Engine,
            Description = "torchsharp | onnxruntime (the model exported to ONNX, run by ONNX Runtime on the CPU) | both, in one run" };
        var command = new Command(mode, $"Benchmark the {what}.")
        {
            model, imageSize, batch, threads, workers, steps, blockSteps, warmup, source, attention, precision, device, dataDir, json,
        };
        var method = new Option<string>("--method") { DefaultValueFactory = _ => defaults.Method,
            Description = "Pretraining method, or several comma-separated (mae,moco-v3,byol,dcl,dclw,mimco) timed side by side in alternating blocks on " +
            "batches in memory" };
        var set = new Option<string[]>("--set") { Description = "A run setting KEY=VALUE (recipe key, e.g. ssl_hidden_dim=1024 or teacher=runs/moco); a " +
            "method's own setting goes only to the methods that read it", AllowMultipleArgumentsPerToken = false };
        if (mode == "infer") command.Add(engine);
        if (mode == "pretrain")
        {
            command.Add(method);
            command.Add(set);
        }
        command.SetAction(parse =>
        {
            var settings = (parse.GetValue(set) ?? []).Select(kv => kv.Split('=', 2)).ToDictionary(
                kv => kv.Length == 2 ? kv[0].Trim() : throw new Livt.LivtException($"--set {kv[0]}: expected KEY=VALUE"), kv => kv[1].Trim());
            var methods = mode == "pretrain" ? parse.GetValue(method)! : defaults.Method;
            if (methods.Contains(','))
            {
                var comparison = PretrainComparison.Run(new BenchOptions
                {
                    Mode = mode, Model = parse.GetValue(model)!, BatchSize = parse.GetValue(batch), Threads = parse.GetValue(threads),
                    Steps = parse.GetValue(steps), BlockSteps = parse.GetValue(blockSteps), Warmup = parse.GetValue(warmup), Source = parse.GetValue(source)!,
                    Attention = parse.GetValue(attention)!, Device = parse.GetValue(device)!, Precision = parse.GetValue(precision)!, Method = methods,
                        Settings = settings,
                }, Console.Error.WriteLine);
                Write(JsonSerializer.Serialize(comparison, JsonOptions), parse.GetValue(json));
                return 0;
            }
            // Under mpirun/srun every process joins the job and trains data-parallel; only rank 0 reports.
            using var processes = Processes.Join(parse.GetValue(device)!, Livt.Distributed.DistributedOptions.DefaultTimeout.TotalSeconds);
            var result = BenchmarkRunner.Run(new BenchOptions
            {
                Mode = mode, Model = parse.GetValue(model)!, ImageSize = parse.GetValue(imageSize), BatchSize = parse.GetValue(batch),
                Threads = parse.GetValue(threads), Workers = parse.GetValue(workers), Steps = parse.GetValue(steps), BlockSteps = parse.GetValue(blockSteps),
                Warmup = parse.GetValue(warmup), Source = parse.GetValue(source)!, Attention = parse.GetValue(attention)!,
                Device = parse.GetValue(device)!, Precision = parse.GetValue(precision)!, DataDir = parse.GetValue(dataDir),
                Engine = mode == "infer" ? parse.GetValue(engine)! : defaults.Engine, Method = methods, Settings = settings,
            }, line => { if (processes.Shows) Console.Error.WriteLine(line); }, processes.Parallel);
            if (!processes.Shows) return 0;
            if (result.Processes > 1)
                Console.Error.WriteLine($"{result.Processes} processes ({result.Backend}): {result.JobImagesPerSecond:F1} images/s for the job; " +
                    $"all-reduce {result.Breakdown!.AllReduceMs:F1} ms per step ({result.AllReduceShare:P1} of the step)");
            Write(JsonSerializer.Serialize(result, JsonOptions), parse.GetValue(json));
            return 0;
        });
        return command;
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
