using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Models;
using Livt.Runtime;
using Livt.Tests.Training;
using Livt.Training;
using Livt.Training.Setup;

namespace Livt.Tests.Configuration;

/// <summary>The run spec: one definition of every setting, flags beat recipes, rules checked once.</summary>
public class RunSpecTests
{
    private static TrainConfig Finetune(JsonObject overrides) =>
        ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), overrides);

    [Fact]
    public void EveryConfigPropertyIsASettingWithAFlagOnTheCommands()
    {
        // What a run decides when it starts and records in config.json: never a setting or a flag.
        string[] recorded = [nameof(TrainConfig.PrecisionUsed), nameof(TrainConfig.PrecisionReason)];
        // The methods' own settings live in their options records; TrainConfig holds their values by key.
        var settable = typeof(TrainConfig).GetProperties().Where(p => p.CanWrite).Select(p => p.Name)
            .Except([.. recorded, nameof(TrainConfig.MethodSettings)]).Order();
        Assert.Equal(settable, Setting.Of(typeof(TrainConfig)).Select(s => s.Property.Name).Order());
        Assert.All(recorded, name => Assert.Null(Setting.ByKey(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name))));
        Assert.Equal(Setting.All.Count, Setting.All.Select(s => s.Flag).Distinct().Count());
        var (_, help, _) = CliErrorTests.Livt("finetune", "--help");
        foreach (var s in Setting.All) Assert.Contains(s.Flag, help);
        var (_, pretrainHelp, _) = CliErrorTests.Livt("pretrain", "--help");
        foreach (var s in Setting.All.Where(s => !s.Info.FinetuneOnly)) Assert.Contains(s.Flag, pretrainHelp);
        Assert.DoesNotContain("--loss", pretrainHelp);
    }

    [Fact]
    public void BlrOnTheCommandLineBeatsTheRecipesLr()
    {
        Assert.Equal(4e-3, Finetune(new JsonObject()).ResolvedLr(), 12);
        var config = Finetune(new JsonObject { ["blr"] = 1e-3, ["batch_size"] = 128 });
        Assert.Null(config.Lr);
        Assert.Equal(5e-4, config.ResolvedLr(), 12);
        Assert.Equal(2e-3, Finetune(new JsonObject { ["blr"] = 1e-3, ["lr"] = 2e-3 }).ResolvedLr(), 12);
        Assert.Equal(7e-3, Finetune(new JsonObject { ["lr"] = 7e-3 }).ResolvedLr(), 12);
    }

    [Fact]
    public void EveryFlagBeatsTheRecipe()
    {
        var recipe = ConfigResolver.ReadRecipe(QuickStart.Recipe);
        var config = Finetune(new JsonObject
        {
            ["epochs"] = 9, ["layer_decay"] = 0.5, ["scale_min"] = 0.3, ["profile"] = "step", ["sampler"] = "sqrt", ["global_pool"] = "token",
        });
        Assert.Equal(6, (int)recipe["finetune"]!["epochs"]!);
        Assert.Equal((9, 0.5, 0.3), (config.Epochs, config.LayerDecay, config.ScaleMin));
        Assert.Equal((LongTailProfile.Step, SamplerKind.Sqrt, Pooling.Token), (config.Profile, config.Sampler, config.GlobalPool));
    }

    [Fact]
    public void AFlagWithABadValueNamesTheFlag()
    {
        var e = Assert.Throws<LivtException>(() => Finetune(new JsonObject { ["sampler"] = "balanced" }));
        Assert.Contains("--sampler", e.Message);
        Assert.Contains("class-balanced", e.Message);
        e = Assert.Throws<LivtException>(() => Finetune(new JsonObject { ["global_pool"] = "max" }));
        Assert.Contains("--global-pool", e.Message);
    }

    [Fact]
    public void OfficialNamesAreRecordedAsLivts()
    {
        var config = Finetune(new JsonObject { ["dataset"] = "ImageNet-LT", ["model"] = "mae_vit_base_patch16", ["sampler"] = "class-aware" });
        Assert.Equal(("imagenet-lt", "vit_base_patch16_224", SamplerKind.ClassBalanced), (config.Dataset, config.Model, config.Sampler));
        Assert.Contains("\"sampler\": \"class-balanced\"", System.Text.Json.JsonSerializer.Serialize(config, ConfigResolver.JsonOptions));
        Assert.Equal(["inat18", "places-lt", "cifar100-lt", "inat18", "fashion-mnist-lt"],
            new[] { "iNat18", "Places-LT", "CIFAR100-LT", "iNaturalist2018", "Fashion_MNIST_LT" }.Select(DatasetCatalog.Canonical));
        Assert.Null(DatasetCatalog.Canonical("imagenet"));
        Assert.Equal("vit_base_patch16_224", ModelPresets.Canonical("vit_base_patch16"));
        Assert.Null(ModelPresets.Canonical("mae_vit_huge_patch14"));
    }

    [Fact]
    public void ResumeTakesTheRunFolderOrAFileInIt()
    {
        var dir = TinyRuns.TempDir();
        ConfigResolver.Write(Finetune(new JsonObject { ["out"] = dir }), Path.Combine(dir, "config.json"));
        var file = Path.Combine(dir, "checkpoint-5.pth");
        File.WriteAllText(file, "");
        Assert.Equal(Path.GetFullPath(dir), ConfigResolver.ForResume(file, null).Out);
        var official = Path.Combine(TinyRuns.TempDir(), "checkpoint-799.pth");
        File.WriteAllText(official, "");
        Assert.Contains("--init", Assert.Throws<LivtException>(() => ConfigResolver.ForResume(official, null)).Message);
    }

    [Fact]
    public void ARecipeWithABadKeyNamesTheFileAndSection()
    {
        var path = Path.Combine(TinyRuns.TempDir(), "bad.json");
        File.WriteAllText(path, """{ "finetune": { "epochs": 3, "sampler": "every" } }""");
        var e = Assert.Throws<LivtException>(() => ConfigResolver.ReadRecipe(path));
        Assert.Contains("bad.json", e.Message);
        Assert.Contains("finetune", e.Message);
        Assert.Contains("sampler", e.Message);
    }

    [Fact]
    public void CrossFieldRulesAreErrorsNotSilentNoOps()
    {
        Assert.Contains("--save-best", Assert.Throws<LivtException>(() => Finetune(new JsonObject { ["save_best"] = true })).Message);
        Finetune(new JsonObject { ["save_best"] = true, ["val_fraction"] = 0.1 });
        Assert.Contains("--drw-epoch", Assert.Throws<LivtException>(() => Finetune(new JsonObject { ["drw_epoch"] = 2 })).Message);
        Assert.Contains("--drw-epoch", Assert.Throws<LivtException>(() => Finetune(new JsonObject { ["loss"] = "ldam", ["drw_epoch"] = 6 })).Message);
        Assert.Contains("--mixup", Assert.Throws<LivtException>(() => Finetune(new JsonObject { ["loss"] = "ls-ce", ["mixup"] = 0.8 })).Message);
        Assert.Contains("--mean", Assert.Throws<LivtException>(() => Finetune(new JsonObject { ["mean"] = new JsonArray(0.5) })).Message);
    }

    [Fact]
    public void ResumeKeepsWhatTheRunComputesAndTakesOnlyExecutionSettings()
    {
        var dir = TinyRuns.TempDir();
        ConfigResolver.Write(Finetune(new JsonObject { ["out"] = dir }), Path.Combine(dir, "config.json"));
        var resumed = ConfigResolver.ForResume(dir, new JsonObject { ["threads"] = 1, ["save_every_steps"] = 5 });
        Assert.Equal((1, 5), (resumed.Threads, resumed.SaveEverySteps!.Value));
        var e = Assert.Throws<LivtException>(() => ConfigResolver.ForResume(dir, new JsonObject { ["lr"] = 1.0 }));
        Assert.Contains("--lr", e.Message);
        Assert.Contains("--precision", Assert.Throws<LivtException>(() => ConfigResolver.ForResume(dir, new JsonObject { ["precision"] = "fp32" })).Message);
    }

    [Fact]
    public void ResumeKeepsThePrecisionTheRunStartedWith()
    {
        // Whatever auto means on this machine, a run that started in the other precision stays in it.
        var auto = PrecisionPolicy.Resolve("auto", TrainingDevice.Parse("cpu"));
        string other = auto.IsBf16 ? "fp32" : "bf16", why = $"{other}: CPU of the machine the run started on";
        var dir = TinyRuns.TempDir();
        ConfigResolver.Write(Finetune(new JsonObject { ["out"] = dir }) with { PrecisionUsed = other, PrecisionReason = why }, Path.Combine(dir, "config.json"));
        var (resumed, choice) = RunSetup.ResolvePrecision(ConfigResolver.ForResume(dir, null), dir);
        Assert.Equal(("auto", other, why), (resumed.Precision, resumed.PrecisionUsed, resumed.PrecisionReason));
        Assert.Equal(new PrecisionChoice("auto", other, why), choice);

        // A fresh config in a folder without a checkpoint decides anew.
        var (fresh, freshChoice) = RunSetup.ResolvePrecision(Finetune(new JsonObject { ["out"] = dir }), dir);
        Assert.Equal((auto.Precision, auto.Reason), (fresh.PrecisionUsed, fresh.PrecisionReason));
        Assert.Equal(auto, freshChoice);
        Assert.Contains("--precision fp16: expected auto, fp32, bf16",
            Assert.Throws<LivtException>(() => Finetune(new JsonObject { ["precision"] = "fp16" })).Message);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Livt.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
