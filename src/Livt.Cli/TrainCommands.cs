using System.CommandLine;
using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Engine;
using Livt.Training;
using Spectre.Console;

namespace Livt.Cli;

/// <summary><c>livt pretrain</c>, <c>livt finetune</c> and <c>livt quickstart</c>.</summary>
internal static class TrainCommands
{
    public static Command Pretrain() => StageCommand("pretrain",
        "Self-supervised pretraining on a dataset's training images (labels unused): MGP (masked autoencoder) by default, or another --method (moco-v3, " +
            "byol, dcl, dclw, mimco). Writes <out>/model.safetensors.",
        finetune: false, (c, ctx) => new PretrainRunner(c, context: ctx).Run());

    public static Command Finetune() => StageCommand("finetune",
        "BFT: fine-tune a ViT classifier with a long-tail loss (default bal-bce) from --init <MGP checkpoint> or from scratch; evaluates on the test split " +
            "and writes report.json/.md and plots.",
        finetune: true, (c, ctx) => new FinetuneRunner(c, context: ctx).Run());

    private static Command StageCommand(string stage, string description, bool finetune, Func<TrainConfig, RunContext, RunResult> run)
    {
        var options = new TrainingOptions(finetune);
        var command = new Command(stage, description);
        options.AddTo(command);
        command.SetAction(parse =>
        {
            var overrides = options.Overrides(parse);
            // Without a recipe or a model, fine-tune the ViT the checkpoint holds, not the quick start's.
            if (finetune && parse.GetValue(options.Config) is null && parse.GetValue(options.Resume) is null && !overrides.ContainsKey("model")
                && (string?)overrides["init"] is { } init)
            {
                var (preset, why) = InitPreset.For(init);
                overrides["model"] = preset;
                AnsiConsole.WriteLine(why);
            }
            var config = parse.GetValue(options.Resume) is { } resumeDir
                ? ConfigResolver.ForResume(resumeDir, overrides)
                : ConfigResolver.Resolve(stage, ConfigResolver.ReadRecipe(parse.GetValue(options.Config) ?? Livt.Training.QuickStart.Recipe), overrides);
            using var processes = Processes.Join(config.Device, config.DistTimeout);
            return Interruption.Run(stop =>
            {
                var result = processes.Run(o => run(config, new RunContext { Observer = o, Stop = stop, Parallel = processes.Parallel }));
                if (!processes.Shows) return;
                AnsiConsole.MarkupLine($"{stage} finished in {result.Seconds / 60:F1} min; model: [blue]{Markup.Escape(result.ModelPath)}[/]");
                if (result.ReportPath is not null) Summary.Print(result.ReportPath);
            }, $"livt {stage} --resume", processes.Shows);
        });
        return command;
    }

    public static Command QuickStart()
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the two stages' runs", DefaultValueFactory = _ => "runs/quickstart" };
        var pretrainEpochs = new Option<int?>("--pretrain-epochs") { Description = "Pretraining epochs (MGP, or the --method's; recipe: see " +
            "recipes/quickstart.json)" };
        var finetuneEpochs = new Option<int?>("--finetune-epochs") { Description = "BFT epochs (recipe: see recipes/quickstart.json)" };
        var common = new TrainingOptions(finetune: true);
        var command = new Command("quickstart", "The whole LiVT pipeline on Fashion-MNIST-LT (IF 100): MGP pretraining (or another --method), Bal-BCE " +
            "fine-tuning, evaluation, then a cRT second stage on the frozen encoder; reports of both. Under 10 minutes on 2 cores.");
        command.Add(outDir);
        command.Add(pretrainEpochs);
        command.Add(finetuneEpochs);
        common.AddTo(command, stageOnly: false);
        command.SetAction(parse =>
        {
            var overrides = common.Overrides(parse);
            var pre = parse.GetValue(pretrainEpochs) is { } pe ? new JsonObject { ["epochs"] = pe } : null;
            var ft = parse.GetValue(finetuneEpochs) is { } fe ? new JsonObject { ["epochs"] = fe } : null;
            var configs = Livt.Training.QuickStart.Configs(parse.GetValue(outDir)!, overrides, pre, ft);
            using var processes = Processes.Join(configs.Finetune.Device, configs.Finetune.DistTimeout);
            return Interruption.Run(stop =>
            {
                var started = DateTime.UtcNow;
                var result = processes.Run(o => Livt.Training.QuickStart.Run(configs,
                    new RunContext { Observer = o, Stop = stop, Parallel = processes.Parallel }));
                if (!processes.Shows) return;
                AnsiConsole.MarkupLine($"Quick start finished in {(DateTime.UtcNow - started).TotalMinutes:F1} min.");
                AnsiConsole.MarkupLine("LiVT (MGP + Bal-BCE fine-tuning):");
                Summary.Print(Path.Combine(configs.Finetune.Out!, "report.json"));
                AnsiConsole.MarkupLine("With the cRT second stage (the quick start's model):");
                Summary.Print(result.ReportPath!);
            }, null, processes.Shows);
        });
        return command;
    }
}
