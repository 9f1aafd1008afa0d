using System.Text.Json.Nodes;

using Livt.Configuration;
using Livt.Decoupling;
using Livt.Engine;
using Livt.Interop;
using Livt.Methods;

namespace Livt.Training;

/// <summary>
/// The whole LiVT pipeline on the embedded default (Fashion-MNIST-LT, IF 100) with the quick-start
/// recipe: MGP into <c>&lt;out&gt;/pretrain</c>, BFT with Bal-BCE from that encoder into
/// <c>&lt;out&gt;/finetune</c> (evaluated and reported there: LiVT's result), then a cRT second stage on
/// the frozen fine-tuned encoder into <c>&lt;out&gt;/crt</c> (the quick start's final model and report).
/// Run again on the same folder, it reuses a finished pretraining and resumes an interrupted stage.
/// </summary>
/// <remarks>
/// cRT (Kang et al. 2020, <see cref="RetrainHeadRunner"/>) is part of the quick start because at this
/// budget it is the cheapest large gain: 36 s on two idle cores for several points of top-1 and of the
/// medium-shot classes (docs/RESULTS.md, "Second stages and the loss families").
/// </remarks>
public static class QuickStart
{
    /// <summary>The built-in recipe it runs.</summary>
    public const string Recipe = "quickstart";

    /// <summary>Runs both stages. <paramref name="common"/> overrides both stages' settings (JSON
    /// names, e.g. threads, seed, data_dir); <paramref name="pretrain"/> and <paramref name="finetune"/>
    /// override one stage (e.g. epochs).</summary>
    public static RunResult Run(string outDir, JsonObject? common, JsonObject? pretrain, JsonObject? finetune,
        RunContext? context = null, string recipe = Recipe) =>
        Run(Configs(outDir, common, pretrain, finetune, recipe), context);

    /// <summary>The two stages' resolved configs, as <see cref="Run(string, JsonObject?, JsonObject?, JsonObject?, RunContext?, string)"/>
    /// builds them (a caller that must know the device or the processes' timeout before the run reads them here).</summary>
    public static (TrainConfig Pretrain, TrainConfig Finetune) Configs(string outDir, JsonObject? common, JsonObject? pretrain,
        JsonObject? finetune, string recipe = Recipe)
    {
        var recipeJson = ConfigResolver.ReadRecipe(recipe);
        var pretrainDir = Path.GetFullPath(Path.Combine(outDir, "pretrain"));
        var finetuneDir = Path.GetFullPath(Path.Combine(outDir, "finetune"));
        var pre = ConfigResolver.Resolve("pretrain", recipeJson, Merge(common, pretrain, new JsonObject { ["out"] = pretrainDir }));
        var ft = ConfigResolver.Resolve("finetune", recipeJson,
            Merge(common, finetune, new JsonObject { ["out"] = finetuneDir, ["init"] = pretrainDir }));
        return (pre, ft);
    }

    /// <summary>The folder of the cRT stage under the quick start's folder.</summary>
    public const string SecondStageFolder = "crt";

    /// <summary>Runs the three stages from the two training stages' resolved configs (<see cref="Configs"/>);
    /// the result is the cRT stage's (the fine-tuning stage's report stays in its own folder). Under several
    /// processes each stage runs on all of them.</summary>
    public static RunResult Run((TrainConfig Pretrain, TrainConfig Finetune) configs, RunContext? context = null)
    {
        context ??= new RunContext();
        var pretrainDir = configs.Pretrain.Out!;
        if (File.Exists(Path.Combine(pretrainDir, ModelCheckpoint.FileName)))
            context.Observer.Message($"Reusing the finished pretraining in {pretrainDir}");
        else
            new PretrainRunner(configs.Pretrain, context: context).Run();
        var finetune = new FinetuneRunner(configs.Finetune, context: context).Run();
        var ft = configs.Finetune;
        if (LongTailMethods.Find(ft.Loss)?.RetrainHeadRefusal is { } why)
        {
            context.Observer.Message($"cRT skipped: --loss {ft.Loss}: {why}");
            return finetune;
        }
        var secondStage = new RetrainHeadOptions
        {
            Init = finetune.RunDir, Method = "crt", Out = Path.Combine(Path.GetDirectoryName(finetune.RunDir)!, SecondStageFolder),
            Threads = ft.Threads, Workers = ft.Workers, Device = ft.Device, EvalBatchSize = ft.BatchSize,
        };
        context.Observer.Message($"cRT: re-training the head with class-balanced sampling on the frozen encoder → {secondStage.Out}");
        return new RetrainHeadRunner(secondStage, context: context).Run();
    }

    private static JsonObject Merge(params JsonObject?[] parts)
    {
        var merged = new JsonObject();
        foreach (var part in parts)
            if (part is not null)
                foreach (var (k, v) in part) merged[k] = v?.DeepClone();
        return merged;
    }
}
