using System.CommandLine;
using System.Text.Json.Nodes;
using Livt.Training;
using Spectre.Console;

namespace Livt.Cli;

/// <summary><c>livt pretrain</c>, <c>livt finetune</c> and <c>livt quickstart</c>.</summary>
internal static class TrainCommands
{
    public static Command Pretrain() => StageCommand("pretrain",
        "MGP: masked-autoencoder pretraining on a dataset's training images (labels unused). Writes <out>/model.safetensors.",
        includeInit: false, (c, o) => new PretrainRunner(c, o));

    public static Command Finetune() => StageCommand("finetune",
        "BFT: fine-tune a ViT classifier with a long-tail loss (default bal-bce) from --init <MGP checkpoint> or from scratch; evaluates on the test split and writes report.json/.md and plots.",
        includeInit: true, (c, o) => new FinetuneRunner(c, o));

    private static Command StageCommand(string stage, string description, bool includeInit, Func<TrainConfig, ITrainingObserver, StageRunner> create)
    {
        var options = new TrainingOptions(includeInit);
        var command = new Command(stage, description);
        options.AddTo(command);
        command.SetAction(parse => RunStage(parse, options, stage, create));
        return command;
    }

    public static Command QuickStart()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the two stages' runs", DefaultValueFactory = _ => "runs/quickstart" };
        var pretrainEpochs = new Option<int?>("--pretrain-epochs") { Description = "MGP epochs (recipe: see recipes/quickstart.json)" };
        var finetuneEpochs = new Option<int?>("--finetune-epochs") { Description = "BFT epochs (recipe: see recipes/quickstart.json)" };
        var common = new TrainingOptions(includeInit: false);
        var command = new Command("quickstart", "The whole LiVT pipeline on Fashion-MNIST-LT (IF 100): MGP pretraining, Bal-BCE fine-tuning, evaluation, report. About 10 minutes on 2 cores.");
        command.Add(outDir);
        command.Add(pretrainEpochs);
        command.Add(finetuneEpochs);
        common.AddTo(command, stageOnly: false);
        command.SetAction(parse =>
        {
            var overrides = common.Overrides(parse);
            var pre = parse.GetValue(pretrainEpochs) is { } pe ? new JsonObject { ["epochs"] = pe } : null;
            var ft = parse.GetValue(finetuneEpochs) is { } fe ? new JsonObject { ["epochs"] = fe } : null;
            var started = DateTime.UtcNow;
            var result = ConsoleObserver.Run(o => Livt.Training.QuickStart.Run(parse.GetValue(outDir)!, overrides, pre, ft, o));
            AnsiConsole.MarkupLine($"Quick start finished in {(DateTime.UtcNow - started).TotalMinutes:F1} min.");
            Summary.Print(result.ReportPath!);
            return 0;
        });
        return command;
    }

    private static int RunStage(ParseResult parse, TrainingOptions options, string stage, Func<TrainConfig, ITrainingObserver, StageRunner> create)
    {
        TrainConfig config;
        if (parse.GetValue(options.Resume) is { } resumeDir)
        {
            var path = Path.Combine(resumeDir, "config.json");
            config = ConfigResolver.ReadResolved(path);
            // Only how the run is executed may change on resume; what it computes stays as it was.
            var overrides = options.Overrides(parse);
            foreach (var key in overrides.Select(kv => kv.Key))
                if (key is not ("threads" or "workers" or "device"))
                    throw new LivtException($"--resume {resumeDir}: the run's settings come from {path}; only --threads, --workers and --device may be given with it");
            config = config with
            {
                Out = resumeDir,
                Threads = overrides["threads"]?.GetValue<int>() ?? config.Threads,
                Workers = overrides["workers"]?.GetValue<int>() ?? config.Workers,
                Device = overrides["device"]?.GetValue<string>() ?? config.Device,
            };
        }
        else
        {
            var recipe = ConfigResolver.ReadRecipe(parse.GetValue(options.Config) ?? Livt.Training.QuickStart.Recipe);
            config = ConfigResolver.Resolve(stage, recipe, options.Overrides(parse));
        }
        var result = ConsoleObserver.Run(o => create(config, o).Run());
        AnsiConsole.MarkupLine($"{stage} finished in {result.Seconds / 60:F1} min; model: [blue]{Markup.Escape(result.ModelPath)}[/]");
        if (result.ReportPath is not null) Summary.Print(result.ReportPath);
        return 0;
    }
}
