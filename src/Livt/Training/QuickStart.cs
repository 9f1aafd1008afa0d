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
        RunContext? context = null, string recipe = Recipe)
    {
        context ??= new RunContext();
        var observer = context.Observer;
        var recipeJson = ConfigResolver.ReadRecipe(recipe);
        var pretrainDir = Path.GetFullPath(Path.Combine(outDir, "pretrain"));
        var finetuneDir = Path.GetFullPath(Path.Combine(outDir, "finetune"));

        var pre = ConfigResolver.Resolve("pretrain", recipeJson, Merge(common, pretrain, new JsonObject { ["out"] = pretrainDir }));
        if (File.Exists(Path.Combine(pretrainDir, ModelCheckpoint.FileName)))
            observer.Message($"Reusing the finished pretraining in {pretrainDir}");
        else
            new PretrainRunner(pre, context: context).Run();

        var ft = ConfigResolver.Resolve("finetune", recipeJson,
            Merge(common, finetune, new JsonObject { ["out"] = finetuneDir, ["init"] = pretrainDir }));
        return new FinetuneRunner(ft, context: context).Run();
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
