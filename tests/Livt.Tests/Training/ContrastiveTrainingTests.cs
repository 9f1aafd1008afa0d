using System.Text.Json.Nodes;
using Livt.Augmentation;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Interop;
using Livt.Tests.Data;
using Livt.Training;
using Livt.Training.Contrastive;
using Livt.Training.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Training;

/// <summary>
/// The contrastive methods end to end on a real slice of Fashion-MNIST (the first 40 training and 10 test
/// images of each class, IF 10): the loader's views, a short run of each method through
/// <see cref="FinetuneRunner"/> that must train the projection heads through the contrastive term, and a
/// killed and resumed run equal to an uninterrupted one.
/// </summary>
public sealed class ContrastiveTrainingTests : IDisposable
{
    private readonly string _root = TinyRuns.TempDir();
    private readonly string _data;

    public ContrastiveTrainingTests()
    {
        _data = Path.Combine(_root, "data");
        FashionSlice.Write(_data, train: 40, test: 10);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TrainConfig Config(string loss, string name, int epochs = 1, int steps = 2, JsonObject? extra = null)
    {
        var o = TinyRuns.Overrides(Path.Combine(_root, name), epochs, steps);
        o["data_dir"] = _data;
        o["imbalance"] = 10;
        o["batch_size"] = 16;
        o["lr"] = 3e-3;
        o["loss"] = loss;
        // Without weight decay a parameter moves only if the loss sends it gradient.
        o["weight_decay"] = 0.0;
        // Small enough for the slice: TSC's official 65 536 keys would never fill.
        if (loss != "bcl") o["queue_size"] = loss == "rescom" ? 2 : 64;
        // The official 10 000 Adam steps of the target optimisation take most of a minute on a loaded machine.
        if (loss == "tsc") o["tsc_target_steps"] = 100;
        foreach (var (k, v) in extra ?? []) o[k] = v?.DeepClone();
        return ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o);
    }

    [Fact]
    public void ViewsAreIndependentDrawsOfOneSampleWithItsLabel()
    {
        var train = DatasetCatalog.Load(new DatasetOptions { Name = "fashion-mnist-lt", DataDir = _data, Imbalance = 10, Seed = 3 }).Train;
        var pipeline = ContrastivePipelines.Bcl(28, [0.286f], [0.353f]);
        var loader = DataLoader.MultiView(train, pipeline, new LoaderOptions { BatchSize = 12, Seed = 5, Workers = 2 });
        using var first = loader.Epoch(0).First();
        using var again = loader.Epoch(0).First();
        using var next = loader.Epoch(1).First();

        Assert.Equal(3, first.Views);
        Assert.Equal(new long[] { 12, 3, 1, 28, 28 }, first.Images.shape);
        Assert.Equal(first.Indices.Select(i => (long)train.GetLabel(i)), first.Labels.data<long>().ToArray());
        Assert.True(Same(first.Images, again.Images), "the views are not a function of (seed, epoch, position)");
        for (int i = 0; i < 12; i++)
        {
            // The two contrast views share one pipeline: only independent draws make them differ.
            Assert.False(Same(first.Images[i, 1], first.Images[i, 2]), $"sample {i}: views 1 and 2 are the same draw");
            Assert.False(Same(first.Images[i, 0], first.Images[i, 1]), $"sample {i}: views 0 and 1 are the same draw");
        }
        Assert.False(Same(first.Images, next.Images));
    }

    [Theory]
    [InlineData("gpaco", "paco")]
    [InlineData("paco", "paco")]
    [InlineData("bcl", "scl")]
    [InlineData("tsc", "target")]
    [InlineData("rescom", "con")]
    public void ShortRunTrainsTheHeadsThroughTheContrastiveTerm(string loss, string contrastTerm)
    {
        var config = Config(loss, loss);
        var messages = new RecordingObserver();
        var result = new FinetuneRunner(config, messages).Run();

        // The contrastive term was computed and reported.
        var terms = messages.Messages.Single(l => l.Contains("loss terms", StringComparison.Ordinal));
        Assert.Contains($"{contrastTerm} ", terms);

        // Every projection-head weight moved from its initial value: only the contrastive term reaches them.
        using var init = new Generator((ulong)Seeds.Derive(config.Seed, 0, Seeds.Stream.Init));
        var counts = Enumerable.Repeat(1L, 10).ToArray();
        var vit = RunSetup.ModelConfig(config, 1, 10, config.DropPath);
        using var fresh = ContrastiveMethod.Create(loss, config, vit, counts, CPU, init, _ => { }, (c, d) => torch.zeros(c, d));
        using var trained = SafeTensors.Read(Path.Combine(result.RunDir, ContrastiveRunner.ModelFile));
        var initial = fresh.Model.state_dict();
        var heads = initial.Keys.Where(k => k.Contains("projector.") && k.EndsWith(".weight") && initial[k].dim() == 2).ToList();
        Assert.NotEmpty(heads);
        foreach (var name in heads)
            Assert.False(Same(initial[name], trained.Tensors[name]), $"{name} did not change: the contrastive term did not train it");
        Assert.False(Same(initial["vit.head.weight"], trained.Tensors["vit.head.weight"]), "the classifier did not train");

        // The model file is an ordinary ViT classifier.
        var (classifier, meta) = ModelCheckpoint.LoadClassifier(result.RunDir, CPU);
        using (classifier)
        {
            Assert.Equal("vit", meta.Kind);
            Assert.Equal(loss, meta.Loss);
        }
        Assert.True(File.Exists(result.ReportPath));
        Assert.Equal(loss == "tsc", File.Exists(Path.Combine(result.RunDir, TscMethod.TargetsFile)));
    }

    /// <summary>The methods with a momentum encoder and a queue: a run killed in the middle of its second
    /// epoch (TSC's phase, after the optimizer restart) and resumed from its mid-epoch checkpoint ends with the same bytes — model, contrastive model,
    /// and the last checkpoint's key encoder and queue (and TSC's targets, not recomputed) — as an
    /// uninterrupted one.</summary>
    [Theory]
    [InlineData("tsc")]
    [InlineData("paco")]
    public void RunKilledMidEpochAndResumedEqualsUninterruptedRun(string loss)
    {
        var extra = new JsonObject { ["save_every_steps"] = 1 };
        var messages = new RecordingObserver();
        var whole = new FinetuneRunner(Config(loss, "whole", epochs: 2, steps: 3, extra), messages).Run();
        // TSC's second epoch is its TSC phase, with a new optimizer and schedule as the official script has.
        Assert.Equal(loss == "tsc" ? 1 : 0, messages.Messages.Count(l => l.Contains("the optimizer starts from an empty state", StringComparison.Ordinal)));

        var cut = Config(loss, "cut", epochs: 2, steps: 3, extra);
        Assert.Throws<OperationCanceledException>(() => new FinetuneRunner(cut, new KillAt(epoch: 1, step: 2)).Run());
        var targets = Path.Combine(cut.Out!, TscMethod.TargetsFile);
        var written = loss == "tsc" ? File.GetLastWriteTimeUtc(targets) : default;
        var resumed = new FinetuneRunner(ConfigResolver.ReadResolved(Path.Combine(cut.Out!, "config.json"))).Run();

        if (loss == "tsc") Assert.Equal(written, File.GetLastWriteTimeUtc(targets));
        var checkpoint = Path.Combine("checkpoints", "epoch-0002-step-000000", "weights.safetensors");
        using (var state = SafeTensors.Read(Path.Combine(resumed.RunDir, checkpoint)))
        {
            Assert.Contains("queue_keys", state.Tensors.Keys);
            Assert.Contains(state.Tensors.Keys, k => k.StartsWith("key.", StringComparison.Ordinal));
        }
        string[] files = [ModelCheckpoint.FileName, ContrastiveRunner.ModelFile, checkpoint, .. loss == "tsc" ? [TscMethod.TargetsFile] : Array.Empty<string>()];
        foreach (var file in files)
        {
            using var a = SafeTensors.Read(Path.Combine(whole.RunDir, file));
            using var b = SafeTensors.Read(Path.Combine(resumed.RunDir, file));
            Assert.Equal(a.Tensors.Keys.Order(), b.Tensors.Keys.Order());
            foreach (var (name, t) in a.Tensors)
                Assert.True(t.bytes.SequenceEqual(b.Tensors[name].bytes), $"{file}: {name} differs after resume");
        }
    }

    [Theory]
    [InlineData("gpaco", "con_temperature", 0.0, "--con-temperature")]
    [InlineData("tsc", "con_alpha", 0.5, "--con-alpha")]
    [InlineData("bcl", "queue_size", 16.0, "--queue-size")]
    [InlineData("rescom", "queue_size", 0.0, "--queue-size")]
    [InlineData("bal-bce", "proj_dim", 64.0, "--proj-dim")]
    public void ContrastiveSettingsOutOfPlaceOrRangeNameTheFlag(string loss, string key, double value, string flag)
    {
        var o = new JsonObject { ["loss"] = loss, [key] = key is "queue_size" or "proj_dim" ? (int)value : value };
        var e = Assert.Throws<LivtException>(() => new FinetuneRunner(ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o)));
        Assert.Contains(flag, e.Message);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private sealed class KillAt(int epoch, int step) : ITrainingObserver
    {
        public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) { }
        public void StepCompleted(StepProgress s)
        {
            if (s.Epoch == epoch && s.Step == step) throw new OperationCanceledException("simulated kill");
        }
        public void EpochCompleted(EpochSummary e) { }
        public void Message(string text) { }
    }
}
