using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Decoupling;
using Livt.Engine;
using Livt.Interop;
using Livt.Runtime;
using Livt.Training;
using Livt.Training.Pretraining;
using Livt.Training.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Training;

/// <summary>
/// <c>livt pretrain --method</c> as a run: the run spec's rules, bit-exact resume of a method with training state
/// beyond its weights (BYOL's target network and its count of EMA moves), bf16 against fp32 with a momentum
/// encoder, and the encoder a non-MAE run leaves going into fine-tuning and into a linear probe — on a slice of
/// Fashion-MNIST so each run takes seconds.
/// </summary>
public class PretrainingMethodTests
{
    public PretrainingMethodTests() => LivtRuntime.Initialize();

    private static TrainConfig Config(string outDir, string dataDir, string method, int epochs, int steps, JsonObject? more = null)
    {
        var o = TinyRuns.Overrides(outDir, epochs, steps);
        o["data_dir"] = dataDir;
        o["imbalance"] = 10;
        o["batch_size"] = 16;
        o["method"] = method;
        // Small heads for the methods that have them (MimCo's image head has no projection width).
        if (method.Trim().ToLowerInvariant() is not ("mae" or "mimco"))
        {
            o["ssl_hidden_dim"] = 64;
            o["ssl_proj_dim"] = 16;
        }
        foreach (var (key, value) in more ?? []) o[key] = value?.DeepClone();
        return ConfigResolver.Resolve("pretrain", ConfigResolver.ReadRecipe(QuickStart.Recipe), o);
    }

    private static string Slice(string root)
    {
        var dir = Path.Combine(root, "data");
        Data.FashionSlice.Write(dir, train: 40, test: 10);
        return dir;
    }

    [Fact]
    public void EachMethodChecksItsOwnSettingsAndRefusesOthers()
    {
        var root = TinyRuns.TempDir();
        string Error(string method, JsonObject more) =>
            Assert.Throws<LivtException>(() => PretrainingMethods.Check(Config(root, root, method, 2, 1, more))).Message;

        Assert.Contains("--ssl-momentum: a setting of --method moco-v3 / byol, not of --method dcl", Error("dcl", new JsonObject { ["ssl_momentum"] = 0.9 }));
        Assert.Contains("--dcl-sigma: a setting of --method dclw, not of --method mae", Error("mae", new JsonObject { ["dcl_sigma"] = 0.5 }));
        Assert.Contains("--method mimco: needs --teacher", Error("mimco", new JsonObject()));
        Assert.Contains("--ssl-temperature 0: must be a positive number", Error("moco-v3", new JsonObject { ["ssl_temperature"] = 0.0 }));
        Assert.Contains("unknown pretraining method (known: mae, moco-v3, byol, dcl, dclw, mimco)", Error("simclr", new JsonObject()));
        Assert.Equal("byol", PretrainingMethods.Check(Config(root, root, " BYOL ", 2, 1)).Name);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void ByolKilledMidEpochAndResumedEqualsTheUninterruptedRun()
    {
        var root = TinyRuns.TempDir();
        var data = Slice(root);
        var settings = new JsonObject { ["save_every_steps"] = 1, ["precision"] = "fp32" };
        var whole = new PretrainRunner(Config(Path.Combine(root, "whole"), data, "byol", 2, 3, settings)).Run();
        var cut = Config(Path.Combine(root, "cut"), data, "byol", 2, 3, settings);
        Assert.Throws<OperationCanceledException>(() => new PretrainRunner(cut, new ResumeTests.KillAt(epoch: 1, step: 2)).Run());
        var resumed = new PretrainRunner(ConfigResolver.ReadResolved(Path.Combine(root, "cut", "config.json"))).Run();

        // The encoder it leaves, and the last checkpoint: target network, its count of EMA moves, optimizer-free state.
        foreach (var file in new[] { ModelCheckpoint.FileName, Path.Combine("checkpoints", "epoch-0002-step-000000", "weights.safetensors") })
        {
            using var a = SafeTensors.Read(Path.Combine(whole.RunDir, file));
            using var b = SafeTensors.Read(Path.Combine(resumed.RunDir, file));
            Assert.Equal(a.Tensors.Keys.Order(), b.Tensors.Keys.Order());
            foreach (var (name, t) in a.Tensors)
                Assert.True(t.bytes.SequenceEqual(b.Tensors[name].bytes), $"{file}: {name} differs after resume");
            if (file != ModelCheckpoint.FileName) Assert.Equal(2 * 3 - 1, a.Tensors["target_steps"].item<long>());
        }
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void MocoV3InBf16TracksFp32AndItsWorkingCopyComputesWithTheMovedMomentumEncoder()
    {
        var root = TinyRuns.TempDir();
        var losses = new Dictionary<string, double[]>();
        foreach (var precision in new[] { "fp32", "bf16" })
        {
            var config = Config(root, root, "moco-v3", 1, 3, new JsonObject { ["precision"] = precision });
            var choice = PrecisionPolicy.Resolve(precision, CPU);
            // Four steps an epoch: the extra loss below, the fourth, still moves the momentum encoder (m < 1).
            var setup = new PretrainingSetup(config, RunSetup.ModelConfig(config, 1, 10, 0), choice, CPU, SingleProcessParallel.Instance, 4, NullTrainingObserver.Instance);
            using var objective = PretrainingMethods.Get("moco-v3").Create(setup);
            var stage = new PretrainStage(objective, CPU);
            var step = TrainStep.For(config.TrainerOptions(1), stage, objective.Optimizer, SingleProcessParallel.Instance);
            objective.Model.train();
            objective.Precision?.Work.train();
            using var generator = new Generator(5);
            var values = new double[3];
            for (int s = 0; s < 3; s++)
            {
                using var views = torch.randn([16, 2, 1, 28, 28], generator: generator);
                using var batch = new Livt.Data.Batch(views.clone(), torch.zeros(16, dtype: int64), Enumerable.Range(0, 16).ToArray(), 0);
                using (torch.NewDisposeScope()) values[s] = step.Run(batch, new StepContext(0, s, s, s, generator), s / 4.0);
            }
            losses[precision] = values;
            if (objective.Precision is { } bf16)
            {
                // The next loss moves the fp32 momentum encoder by EMA and computes its keys with the working copy's,
                // which must hold the moved weights (in its dtype: bf16, LayerNorms fp32), not the ones pushed after the last step.
                var master = objective.Model.named_parameters().Where(p => p.name.StartsWith("momentum_encoder.", StringComparison.Ordinal))
                    .ToDictionary(p => p.name, p => p.parameter);
                var before = master.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                using var views = torch.randn([16, 2, 1, 28, 28], generator: generator);
                using (torch.NewDisposeScope()) objective.Loss(views, new StepContext(0, 3, 3, 3, generator));
                Assert.Contains(master, kv => !kv.Value.equal(before[kv.Key]).all().item<bool>());
                foreach (var (name, work) in bf16.Work.named_parameters().Where(p => master.ContainsKey(p.name)))
                    Assert.True(work.to(ScalarType.Float32).equal(master[name].to(work.dtype).to(ScalarType.Float32)).all().item<bool>(), name);
                foreach (var t in before.Values) t.Dispose();
            }
        }
        for (int s = 0; s < 3; s++)
            Assert.True(Math.Abs(losses["bf16"][s] - losses["fp32"][s]) < 0.02 * Math.Abs(losses["fp32"][s]),
                $"step {s}: bf16 loss {losses["bf16"][s]} vs fp32 {losses["fp32"][s]}");
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void ADclEncoderFineTunesAndIsProbedByCrt()
    {
        var root = TinyRuns.TempDir();
        var data = Slice(root);
        var pretrain = new PretrainRunner(Config(Path.Combine(root, "dcl"), data, "dcl", 1, 2)).Run();
        using (var file = SafeTensors.Read(pretrain.ModelPath))
        {
            var meta = ModelMetadata.FromSafeTensorsMetadata(file.Metadata, pretrain.ModelPath);
            Assert.Equal(("encoder", "dcl"), (meta.Kind, meta.Pretraining));
            Assert.DoesNotContain(file.Tensors.Keys, k => k.StartsWith("head.", StringComparison.Ordinal));
            Assert.Contains("norm.weight", file.Tensors.Keys);
        }

        var ft = TinyRuns.Finetune(Path.Combine(root, "ft"), pretrain.RunDir, epochs: 1, steps: 2) with { DataDir = data, Imbalance = 10, BatchSize = 16 };
        var finetuned = new FinetuneRunner(ft).Run();
        Assert.True(File.Exists(finetuned.ModelPath));

        var probe = new RetrainHeadRunner(new RetrainHeadOptions { Init = pretrain.RunDir, Method = "crt", Epochs = 1, Out = Path.Combine(root, "probe"), BatchSize = 64, Threads = 2, Workers = 2 }).Run();
        var report = JsonNode.Parse(File.ReadAllText(probe.ReportPath!))!;
        Assert.Contains("linear probe of the frozen dcl encoder", (string)report["loss"]!);
        // The probe keeps the encoder as trained: its weights are the pretraining's, cls token and norm included.
        using (var encoder = SafeTensors.Read(pretrain.ModelPath))
        using (var probed = SafeTensors.Read(probe.ModelPath))
            foreach (var (name, t) in encoder.Tensors)
                Assert.True(t.bytes.SequenceEqual(probed.Tensors[name].bytes), $"{name} changed in the probe");
        Assert.Throws<LivtException>(() => new RetrainHeadRunner(new RetrainHeadOptions { Init = pretrain.RunDir, Method = "lws", Out = Path.Combine(root, "lws") }).Run());
        Directory.Delete(root, recursive: true);
    }
}
