using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Training;

namespace Livt.Tests.Training;

/// <summary>Configs for tiny, fast runs on the real Fashion-MNIST-LT: a 2-block 32-d ViT and a few
/// capped steps per epoch, so a pretrain → finetune → evaluate round trip takes seconds.</summary>
internal static class TinyRuns
{
    public static JsonObject Overrides(string outDir, int epochs, int steps) => new()
    {
        ["out"] = outDir, ["epochs"] = epochs, ["steps_per_epoch"] = steps, ["warmup_epochs"] = 0.5,
        ["batch_size"] = 64, ["embed_dim"] = 32, ["depth"] = 2, ["num_heads"] = 2,
        ["decoder_embed_dim"] = 32, ["decoder_depth"] = 1, ["decoder_num_heads"] = 2,
        ["threads"] = 2, ["workers"] = 2, ["seed"] = 3,
    };

    public static TrainConfig Pretrain(string outDir, int epochs = 2, int steps = 3) =>
        ConfigResolver.Resolve("pretrain", ConfigResolver.ReadRecipe(QuickStart.Recipe), Overrides(outDir, epochs, steps));

    public static TrainConfig Finetune(string outDir, string? init, int epochs = 2, int steps = 6)
    {
        var o = Overrides(outDir, epochs, steps);
        o["lr"] = 3e-3;
        if (init is not null) o["init"] = init;
        return ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o);
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "livt-tests", Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
