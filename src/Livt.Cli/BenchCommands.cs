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
        var options = new RecordOptions<BenchOptions>(BenchOptions.ForMode(mode), s => BenchOptions.Offers(mode, s.Key));
        var json = new Option<string?>("--json") { Description = "Write the JSON here instead of stdout" };
        var set = new Option<string[]>("--set")
        {
            Description = "A run setting KEY=VALUE (recipe key, e.g. ssl_hidden_dim=1024 or teacher=runs/moco); a method's own setting goes only to " +
                "the methods that read it",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command(mode, $"Benchmark the {what}.");
        options.AddTo(command);
        command.Add(json);
        if (mode == "pretrain") command.Add(set);
        command.SetAction(parse => Run(options.Bind(parse) with { Settings = Settings(parse.GetValue(set)) }, parse.GetValue(json)));
        return command;
    }

    private static Dictionary<string, string> Settings(string[]? pairs) => (pairs ?? []).Select(kv => kv.Split('=', 2)).ToDictionary(
        kv => kv.Length == 2 ? kv[0].Trim() : throw new Livt.LivtException($"--set {kv[0]}: expected KEY=VALUE"), kv => kv[1].Trim());

    private static int Run(BenchOptions o, string? json)
    {
        if (o.Method.Contains(','))
        {
            var comparison = PretrainComparison.Run(o, Console.Error.WriteLine);
            Write(JsonSerializer.Serialize(comparison, JsonOptions), json);
            return 0;
        }
        // Under mpirun/srun every process joins the job and trains data-parallel; only rank 0 reports.
        using var processes = Processes.Join(o.Device, Livt.Distributed.DistributedOptions.DefaultTimeout.TotalSeconds);
        var result = BenchmarkRunner.Run(o, line => { if (processes.Shows) Console.Error.WriteLine(line); }, processes.Parallel);
        if (!processes.Shows) return 0;
        if (result.Processes > 1)
            Console.Error.WriteLine($"{result.Processes} processes ({result.Backend}): {result.JobImagesPerSecond:F1} images/s for the job; " +
                $"all-reduce {result.Breakdown!.AllReduceMs:F1} ms per step ({result.AllReduceShare:P1} of the step)");
        Write(JsonSerializer.Serialize(result, JsonOptions), json);
        return 0;
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
