using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Interop;
using Livt.Methods;
using Livt.Models;
using Livt.Tests.Data;
using Livt.Tests.Training;
using Livt.Training;
using Livt.Training.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Engine;

/// <summary>Each training flag changes what it should: tests that fail if the flag were ignored.</summary>
public class TrainingFlagsTests
{
    private static TrainConfig Finetune(string dir, JsonObject extra, int epochs = 1, int steps = 2)
    {
        var o = TinyRuns.Overrides(dir, epochs, steps);
        o["lr"] = 3e-3;
        foreach (var (k, v) in extra) o[k] = v?.DeepClone();
        return ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o);
    }

    [Theory]
    [InlineData("instance", 6000.0 / 14886, 60.0 / 14886)]
    [InlineData("class-aware", 0.1, 0.1)]
    [InlineData("sqrt", 0.2448, 0.0245)]
    public void SamplerFlagShapesTheClassHistogramOfAnEpoch(string sampler, double headShare, double tailShare)
    {
        var config = Finetune(TinyRuns.TempDir(), new JsonObject { ["sampler"] = sampler });
        var train = TrainingData.Load(config).Train;
        var order = Samplers.Create(config.Sampler, train, config.Seed, config.Epochs).EpochIndices(0);
        var counts = new double[10];
        foreach (var i in order) counts[train.GetLabel(i)]++;
        // Class-aware draws are random: within 15 % of the expected share (several standard deviations).
        Assert.InRange(counts[0] / order.Length, headShare * 0.85, headShare * 1.15);
        Assert.InRange(counts[9] / order.Length, tailShare * 0.85, tailShare * 1.15);

        var loader = RunSetup.TrainLoader(config, train, new Livt.Augmentation.Compose(), new RunContext());
        using var batch = loader.Epoch(0).First();
        Assert.Equal(order.Take(64), batch.Indices);
    }

    [Fact]
    public void ProgressiveSamplerMovesTowardsClassBalance()
    {
        var config = Finetune(TinyRuns.TempDir(), new JsonObject { ["sampler"] = "progressive" }, epochs: 4);
        var train = TrainingData.Load(config).Train;
        var sampler = Samplers.Create(config.Sampler, train, config.Seed, config.Epochs);
        double TailShare(int epoch) => sampler.EpochIndices(epoch).Count(i => train.GetLabel(i) == 9) / (double)train.Count;
        Assert.True(TailShare(0) < 0.01 && TailShare(3) > 0.05, $"tail share {TailShare(0)} → {TailShare(3)}");
    }

    [Fact]
    public void DrwEpochSwitchesLdamToClassBalancedWeightsThere()
    {
        var config = Finetune(TinyRuns.TempDir(), new JsonObject { ["loss"] = "ldam", ["drw_epoch"] = 2, ["mixup"] = 0, ["cutmix"] = 0 }, epochs: 4);
        var loss = LossFactory.Create(config.Loss, [1000, 100, 10], TrainConfigRules.LossOptions(config));
        using var logits = torch.tensor(new float[] { 1, 0, -1, 0, 2, 0, 0, 0, 1 }, 3, 3);
        using var labels = torch.tensor(new long[] { 0, 1, 2 });
        double At(int epoch)
        {
            loss.SetEpoch(epoch);
            using var l = loss.Forward(logits, labels);
            return l.item<float>();
        }
        Assert.Equal(At(0), At(1));
        Assert.NotEqual(At(1), At(2));
        var plain = LossFactory.Create("ldam", [1000, 100, 10], TrainConfigRules.LossOptions(config with { DrwEpoch = null }));
        plain.SetEpoch(3);
        using var p = plain.Forward(logits, labels);
        Assert.Equal(At(0), p.item<float>());
    }

    [Fact]
    public void TokenPoolingTrainsTheClsTokenClassifier()
    {
        var dir = TinyRuns.TempDir();
        var run = new FinetuneRunner(Finetune(dir, new JsonObject { ["global_pool"] = "token" })).Run();
        using var file = SafeTensors.Read(run.ModelPath);
        Assert.Contains("norm.weight", file.Tensors.Keys);
        Assert.DoesNotContain("fc_norm.weight", file.Tensors.Keys);
        var (model, meta) = ModelCheckpoint.LoadClassifier(run.ModelPath, torch.CPU);
        using (model)
        {
            var vit = Assert.IsType<VitConfig>(meta.Model);
            Assert.False(vit.GlobalPool);
            using var avg = new VisionTransformer(vit with { GlobalPool = true });
            Assert.NotEqual(avg.state_dict().Keys.Order(), model.state_dict().Keys.Order());
        }
    }

    [Fact]
    public void FineTuningAtAnotherInputSizeResamplesThePositionEmbedding()
    {
        var root = TinyRuns.TempDir();
        var pre = new PretrainRunner(TinyRuns.Pretrain(Path.Combine(root, "pre"), epochs: 1, steps: 1)).Run();
        using var mgp = SafeTensors.Read(pre.ModelPath);
        foreach (int size in new[] { 32, 20 })
        {
            var run = new FinetuneRunner(Finetune(Path.Combine(root, $"ft{size}"), new JsonObject { ["init"] = pre.RunDir, ["input_size"] = size })).Run();
            Assert.NotNull(run.ReportPath);
            using var ft = SafeTensors.Read(run.ModelPath);
            int grid = size / 4;
            Assert.Equal(new long[] { 1, 1 + grid * grid, 32 }, ft.Tensors["pos_embed"].shape);
        }
        // The resampling itself is PosEmbedResampler's, checked against torch's bicubic interpolate in ParityTests.
        using var vit = new VisionTransformer(ModelPresets.Get(ModelPresets.QuickStart) with { ImageSize = 32, EmbedDim = 32, Depth = 2, NumHeads = 2, InChans = 1, NumClasses = 10 });
        EncoderLoader.Load(vit, mgp, null, pre.ModelPath);
        using var expected = PosEmbedResampler.Resample(mgp.Tensors["pos_embed"], 8);
        Assert.True(vit.state_dict()["pos_embed"].allclose(expected));
    }

    [Fact]
    public void ValListIsTheValidationSplitAndListPathsAreFoundInTheCurrentFolder()
    {
        var root = TinyRuns.TempDir();
        string Write(string name, int count)
        {
            var lines = new List<string>();
            for (int i = 0; i < count; i++)
            {
                string rel = $"img/{name}_{i}.png";
                Directory.CreateDirectory(Path.Combine(root, "img"));
                DataFixtures.WritePng(Path.Combine(root, rel), 8, 8, (byte)(i * 9));
                lines.Add($"{rel} {i % 2}");
            }
            File.WriteAllLines(Path.Combine(root, $"{name}.txt"), lines);
            return $"{name}.txt";
        }
        string train = Write("train", 12), test = Write("test", 6), val = Write("val", 4);
        var config = Finetune(Path.Combine(root, "run"), new JsonObject
        {
            ["dataset"] = "list", ["data_dir"] = root, ["train_list"] = train, ["test_list"] = test, ["val_list"] = val,
        });
        var data = TrainingData.Load(config);
        Assert.Equal((12, 4, 6), (data.Train.Count, data.Validation!.Count, data.Test.Count));
        Assert.Contains("own split", data.CountsNote);

        var previous = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = root;
            var here = TrainingData.Load(config with { DataDir = Path.Combine(root, "img", ".."), TrainList = "./train.txt" });
            Assert.Equal(12, here.Train.Count);
            var e = Assert.Throws<LivtException>(() => TrainingData.Load(config with { TrainList = "missing.txt" }));
            Assert.Contains(Path.Combine(root, "missing.txt"), e.Message);
            Assert.Contains("--train-list", e.Message);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Fact]
    public void SaveBestChoosesOnTheValidationSplit()
    {
        var dir = TinyRuns.TempDir();
        var run = new FinetuneRunner(Finetune(dir, new JsonObject { ["save_best"] = true, ["val_fraction"] = 0.05 })).Run();
        Assert.True(File.Exists(Path.Combine(run.RunDir, "best.safetensors")));
        var report = JsonNode.Parse(File.ReadAllText(run.ReportPath!))!;
        Assert.Contains("holding out", (string)report["counts_note"]!);
    }

    [Fact]
    public void MeanAndStdFlagsSetTheNormalisation()
    {
        var dir = TinyRuns.TempDir();
        var run = new FinetuneRunner(Finetune(dir, new JsonObject { ["mean"] = new JsonArray(0.5), ["std"] = new JsonArray(0.25) })).Run();
        var (model, meta) = ModelCheckpoint.LoadClassifier(run.ModelPath, torch.CPU);
        model.Dispose();
        Assert.Equal((0.5f, 0.25f), (meta.Mean[0], meta.Std[0]));
    }

    [Fact]
    public void ForwardHooksOnSubModulesFire()
    {
        using var vit = new VisionTransformer(ModelPresets.Get(ModelPresets.QuickStart) with { EmbedDim = 32, Depth = 2, NumHeads = 2, InChans = 1, NumClasses = 3 });
        int calls = 0;
        foreach (var (name, module) in vit.named_modules())
            if (name is "blocks.1" or "blocks.0.attn" or "head" && module is nn.Module<Tensor, Tensor> m)
                m.register_forward_hook((_, _, output) => { calls++; return output; });
        using var x = torch.zeros(2, 1, 28, 28);
        using var y = vit.call(x);
        Assert.Equal(3, calls);
    }

    [Fact]
    public void TwoRunsInOneProcessDoNotDisturbEachOther()
    {
        var root = TinyRuns.TempDir();
        var extra = new JsonObject { ["drop_path"] = 0.2, ["mixup"] = 0.8, ["cutmix"] = 1.0, ["smoothing"] = 0.1 };
        var a = new FinetuneRunner(Finetune(Path.Combine(root, "a"), extra)).Run();
        torch.manual_seed(12345);
        using (torch.rand(1000)) { }
        var b = new FinetuneRunner(Finetune(Path.Combine(root, "b"), extra)).Run();
        using var fa = SafeTensors.Read(a.ModelPath);
        using var fb = SafeTensors.Read(b.ModelPath);
        foreach (var (name, t) in fa.Tensors)
            Assert.True(t.bytes.SequenceEqual(fb.Tensors[name].bytes), $"{name} differs between identical runs");
    }
}
