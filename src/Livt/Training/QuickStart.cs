using System.Text.Json.Nodes;

using Livt.Engine;
using Livt.Configuration;
using Livt.Interop;

namespace Livt.Training;

/// <summary>
/// The whole LiVT pipeline on the embedded default (Fashion-MNIST-LT, IF 100) with the quick-start
/// recipe: MGP into <c>&lt;out&gt;/pretrain</c>, BFT with Bal-BCE from that encoder into
/// <c>&lt;out&gt;/finetune</c>, evaluation and report there. Run again on the same folder, it reuses a
/// finished pretraining and resumes an interrupted stage.
/// </summary>
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

    /// <summary>Runs both stages from their resolved configs (<see cref="Configs"/>).</summary>
    public static RunResult Run((TrainConfig Pretrain, TrainConfig Finetune) configs, RunContext? context = null)
    {
        context ??= new RunContext();
        var pretrainDir = configs.Pretrain.Out!;
        if (File.Exists(Path.Combine(pretrainDir, ModelCheckpoint.FileName)))
            context.Observer.Message($"Reusing the finished pretraining in {pretrainDir}");
        else
            new PretrainRunner(configs.Pretrain, context: context).Run();
        return new FinetuneRunner(configs.Finetune, context: context).Run();
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
