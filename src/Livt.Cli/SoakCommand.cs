using System.CommandLine;
using System.Text.Json;
using Livt.Benchmarking;

namespace Livt.Cli;

/// <summary><c>livt bench soak</c>.</summary>
internal static class SoakCommand
{
    public static Command Create()
    {
        var defaults = new SoakOptions();
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => defaults.Steps, Description = "Training steps, end to end" };
        var every = new Option<int>("--every") { DefaultValueFactory = _ => defaults.Every, Description = "Sample resident memory every N steps" };
        var loss = new Option<string>("--loss") { DefaultValueFactory = _ => defaults.Loss,
            Description = "bal-bce (the quick start) or a contrastive loss (gpaco, paco, bcl, tsc, rescom)" };
        var gcStress = new Option<bool>("--gc-stress") { Description = "Force a collection and run finalizers every millisecond (with " +
            "DOTNET_GCgen0size=0x10000 in the environment, collections also happen at every small allocation)" };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads" };
        var workers = new Option<int?>("--workers") { Description = "Loader threads" };
        var outDir = new Option<string?>("--out") { Description = "Keep the run folder here (default: a temporary one, deleted)" };
        var json = new Option<string?>("--json") { Description = "Write the JSON here instead of stdout" };
        var command = new Command("soak", "Run the quick start's fine-tuning (or a contrastive run) for --steps steps with the real loader and report " +
            "resident memory every --every steps, and its growth over the last half.")
        {
            steps, every, loss, gcStress, threads, workers, outDir, json,
        };
        command.SetAction(parse =>
        {
            var overrides = new System.Text.Json.Nodes.JsonObject();
            if (parse.GetValue(threads) is { } t) overrides["threads"] = t;
            if (parse.GetValue(workers) is { } w) overrides["workers"] = w;
            var result = SoakRun.Run(new SoakOptions
            {
                Steps = parse.GetValue(steps), Every = parse.GetValue(every), Loss = parse.GetValue(loss)!,
                GcStress = parse.GetValue(gcStress), Out = parse.GetValue(outDir), Overrides = overrides,
            }, Console.Error.WriteLine);
            var text = JsonSerializer.Serialize(result, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                WriteIndented = true });
            if (parse.GetValue(json) is { } path) Livt.Interop.AtomicFile.WriteText(path, text + "\n");
            else Console.WriteLine(text);
            return 0;
        });
        return command;
    }
}
