using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Data;
using Livt.Evaluation;
using Livt.Inference;
using Livt.Interop;
using Livt.Models;
using Livt.Tests.Data;
using Livt.Training;
using static TorchSharp.torch;

namespace Livt.Tests.Training;

/// <summary>
/// SADE end to end on a real slice of Fashion-MNIST (40 training and 10 test images per class, IF 10): a
/// tiny MGP encoder, <c>finetune --loss sade</c> from it through <see cref="FinetuneRunner"/>, and
/// <c>evaluate</c> of the saved multi-expert model with test-time aggregation on re-sampled splits.
/// </summary>
public sealed class ExpertTrainingTests : IDisposable
{
    private readonly string _root = TinyRuns.TempDir();
    private readonly string _data;

    public ExpertTrainingTests()
    {
        _data = Path.Combine(_root, "data");
        FashionSlice.Write(_data, train: 40, test: 10);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private JsonObject Overrides(string name, int epochs, int steps)
    {
        var o = TinyRuns.Overrides(Path.Combine(_root, name), epochs, steps);
        o["data_dir"] = _data;
        o["imbalance"] = 10;
        o["batch_size"] = 16;
        return o;
    }

    [Fact]
    public void SadeRunTrainsDiverseExpertsThatEvaluateAggregatesOnEachSplit()
    {
        var pre = new PretrainRunner(ConfigResolver.Resolve("pretrain", ConfigResolver.ReadRecipe(QuickStart.Recipe), Overrides("mgp", 1, 1))).Run();
        var o = Overrides("sade", 1, 4);
        o["loss"] = "tade";
        o["expert_blocks"] = 1;
        o["lr"] = 3e-3;
        o["init"] = pre.RunDir;
        var config = ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o);
        var run = new FinetuneRunner(config).Run();

        var (model, meta) = ModelCheckpoint.LoadModel(run.RunDir, CPU);
        using (model)
        {
            Assert.Equal("vit-experts", meta.Kind);
            Assert.Equal((3, 1), (meta.Experts, meta.ExpertDepth));
            var experts = Assert.IsType<MultiExpertVisionTransformer>(model);
            // The class counts of the slice at IF 10 fall from class 0 to class 9.
            Assert.True(meta.ClassCounts[0] > meta.ClassCounts[9]);
            var test = DatasetCatalog.Load(new DatasetOptions { Name = "fashion-mnist-lt", DataDir = _data, Imbalance = 10, Seed = 3 }).Test;
            var (logits, _) = ExpertAggregation.PredictExperts(experts, test, Livt.Augmentation.TransformPipelines.Eval(28, meta.Mean, meta.Std), CPU, 64, 2);
            using (logits)
            {
                // The experts start from one encoder and near-zero heads: only their objectives set them apart.
                // The backward expert leans to the tail and the forward one to the head, relative to each other.
                var gap = (logits.select(1, 2) - logits.select(1, 0)).mean([0]).data<float>().ToArray();
                Assert.True(gap[9] - gap[0] > 0.05, $"backward − forward logit: class 9 {gap[9]:F4}, class 0 {gap[0]:F4}: the experts did not diverge as their objectives ask");
            }
        }

        var (result, reportPath) = EvaluationRun.Run(new EvaluateOptions
        {
            Checkpoint = run.RunDir, Out = Path.Combine(_root, "eval"), BatchSize = 64, Workers = 2, Threads = 2,
            TestDistributions = "forward10,uniform,backward10", TestTimeAggregation = true,
            Aggregation = new AggregationOptions { Epochs = 2, BatchSize = 16, Lr = 1 },
        });
        // evaluate loads the same model and scores it as the run's end did: the experts' mean logits.
        Assert.Equal(RunReport.ReadJson(run.ReportPath!).Top1, result.Top1, 6);
        var splits = RunReport.ReadJson(reportPath!).TestDistributions!;
        Assert.Equal(["forward10", "uniform", "backward10"], splits.Select(s => s.Name));
        foreach (var s in splits)
        {
            var a = s.Aggregation ?? throw new Xunit.Sdk.XunitException($"{s.Name}: no aggregation in the report");
            Assert.Equal(3, a.Weights.Length);
            Assert.Equal(1.0, a.Weights.Sum(), 6);
            Assert.True(a.Weights.Any(w => Math.Abs(w - 1.0 / 3) > 1e-4), $"{s.Name}: the weights did not move from 1/3 ({string.Join(", ", a.Weights)})");
            Assert.InRange(a.Top1, 0, 100);
        }
        Assert.Contains("Expert weights", File.ReadAllText(Path.Combine(Path.GetDirectoryName(reportPath)!, "report.md")));

        // export bakes the averaged experts into the graph (checked against the model before writing),
        // and a --test-prior there starts from the prior the averaged experts assume.
        var exported = OnnxExport.Run(run.RunDir, Path.Combine(_root, "sade.onnx"), "uniform");
        Assert.Equal(10, exported.Info.ClassNames.Length);
        Assert.Equal(2.0, meta.ExpertTau);
    }

    [Fact]
    public void AggregationNeedsAMultiExpertModelAndSplits()
    {
        var path = Path.Combine(_root, "vit.safetensors");
        var config = ModelPresets.Get(ModelPresets.QuickStart) with { EmbedDim = 16, Depth = 1, NumHeads = 2, InChans = 1, NumClasses = 10 };
        using (var vit = new VisionTransformer(config))
            ModelCheckpoint.Save(path, vit, new ModelMetadata
            {
                Kind = "vit", Model = config, Mean = [0.3f], Std = [0.35f], ClassNames = DatasetCatalog.FashionMnistClasses.ToArray(),
                ClassCounts = Enumerable.Repeat(40L, 10).ToArray(), Dataset = "fashion-mnist-lt", Imbalance = 10,
            });
        var options = new EvaluateOptions
        {
            Checkpoint = path, DataDir = _data, BatchSize = 64, Workers = 2, Threads = 2, TestTimeAggregation = true,
        };
        var single = Assert.Throws<LivtException>(() => EvaluationRun.Run(options with { Out = Path.Combine(_root, "e1"), TestDistributions = "uniform" }));
        Assert.Contains("single-head", single.Message);
        var noSplits = Assert.Throws<LivtException>(() => EvaluationRun.Run(options with { Out = Path.Combine(_root, "e2") }));
        Assert.Contains("--test-distributions", noSplits.Message);
    }
}
