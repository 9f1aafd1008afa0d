using System.Text.Json.Nodes;
using Livt.Data;
using Livt.Inference;
using Livt.Interop;
using Livt.Tests.Data;

namespace Livt.Tests.Decoupling;

/// <summary>What a later step reads about a fine-tuned model's data.</summary>
public class FineTunedDataTests
{
    private static ModelMetadata Meta(string dataset = "fashion-mnist-lt") => new()
    {
        Kind = "vit", Model = Livt.Models.ModelPresets.Get(Livt.Models.ModelPresets.QuickStart), Mean = [0.3f], Std = [0.35f],
        ClassNames = ["a", "b"], ClassCounts = [5, 3], Dataset = dataset, Imbalance = 50, Seed = 7,
    };

    [Fact]
    public void ReadsTheRunConfigBesideTheModelAndIgnoresAnotherDatasetsConfig()
    {
        using var dir = new TempDir();
        var model = dir.File("model.safetensors");
        File.WriteAllText(dir.File("config.json"), new JsonObject
        {
            ["dataset"] = "fashion-mnist-lt", ["data_dir"] = "/data/fm", ["val_fraction"] = 0.1, ["profile"] = "step",
        }.ToJsonString());
        var data = FineTunedData.Of(model, Meta());
        Assert.Equal(("/data/fm", 0.1, LongTailProfile.Step, 50.0, 7), (data.Dataset.DataDir, data.ValFraction, data.Dataset.Profile, data.Dataset.Imbalance, data.Seed));
        Assert.Equal("/elsewhere", FineTunedData.Of(model, Meta(), dataDir: "/elsewhere").Dataset.DataDir);

        var other = FineTunedData.Of(model, Meta("cifar10-lt"));
        Assert.Equal((null, 0.0), (other.Dataset.DataDir, other.ValFraction));
    }

    [Fact]
    public void AFineTuningConfigReadsBackTypedAndASecondStageWritesTheSameDataKeys()
    {
        using var dir = new TempDir();
        var config = Livt.Configuration.ConfigResolver.Resolve("finetune", null, new JsonObject
        {
            ["dataset"] = "fashion-mnist-lt", ["data_dir"] = "/data/fm", ["val_fraction"] = 0.2, ["lt_split"] = "ldam", ["seed"] = 7,
        });
        Livt.Configuration.ConfigResolver.Write(config, dir.File("config.json"));
        var data = FineTunedData.Of(dir.File("model.safetensors"), Meta());
        Assert.Equal(("/data/fm", 0.2, LongTailSplit.Ldam), (data.Dataset.DataDir, data.ValFraction, data.Dataset.Split));

        // what retrain-head writes beside its own settings reads back as the same data
        File.WriteAllText(dir.File("config.json"), data.ToRunData(0.1).ToJson().ToJsonString());
        var again = FineTunedData.Of(dir.File("model.safetensors"), Meta());
        Assert.Equal(data.Dataset with { }, again.Dataset);
        Assert.Equal(0.1, again.ValFraction);
    }

    [Fact]
    public void ADataKeyOfTheWrongTypeNamesTheFileAndTheKey()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), """{"dataset": "fashion-mnist-lt", "val_fraction": "a tenth"}""");
        var e = Assert.Throws<LivtException>(() => FineTunedData.Of(dir.File("model.safetensors"), Meta()));
        Assert.Contains("config.json", e.Message);
        Assert.Contains("val_fraction", e.Message);
    }

    [Fact]
    public void AValidationListReplacesTheHeldOutFraction()
    {
        using var dir = new TempDir();
        for (int i = 0; i < 3; i++) DataFixtures.WritePng(dir.File($"val/{i}.png"), 4, 4, (byte)i);
        File.WriteAllLines(dir.File("val.txt"), ["val/0.png 0", "val/1.png 1", "val/2.png 1"]);
        var source = new FineTunedData(new DatasetOptions { Name = "list", DataDir = dir.Path }, 0.5, 7);
        var rgb = new InMemoryImageDataset(new byte[4 * 3 * 16], [0, 0, 1, 1], 3, 4, 4, ["a", "b"]);
        var (train, val) = source.Split(rgb, 0.5, "val.txt");
        Assert.Same(rgb, train);
        Assert.Equal([0, 1, 1], Enumerable.Range(0, val!.Count).Select(val.GetLabel));
        Assert.Equal(rgb.ClassNames, val.ClassNames);

        File.WriteAllLines(dir.File("bad.txt"), ["val/0.png 5"]);
        Assert.Contains("bad.txt line 1", Assert.Throws<LivtException>(() => source.Split(rgb, 0, "bad.txt")).Message);
        var gray = DataFixtures.Synthetic([0, 0, 1, 1], 2);
        Assert.Contains("channel", Assert.Throws<LivtException>(() => source.Split(gray, 0, "val.txt")).Message);
    }

    [Fact]
    public void AFractionHoldsOutTheSameImagesForTheSameSeed()
    {
        var data = DataFixtures.Synthetic(Enumerable.Range(0, 40).Select(i => i % 2).ToArray(), 2);
        var a = new FineTunedData(new DatasetOptions(), 0, 7).Split(data, 0.25).Validation!;
        var b = new FineTunedData(new DatasetOptions(), 0, 7).Split(data, 0.25).Validation!;
        var c = new FineTunedData(new DatasetOptions(), 0, 8).Split(data, 0.25).Validation!;
        Assert.Equal(10, a.Count);
        Assert.Equal(((SubsetDataset)a).SourceIndices, ((SubsetDataset)b).SourceIndices);
        Assert.NotEqual(((SubsetDataset)a).SourceIndices, ((SubsetDataset)c).SourceIndices);
        Assert.Null(new FineTunedData(new DatasetOptions(), 0, 7).Split(data, 0).Validation);
    }
}
