using System.Text.Json.Nodes;
using Livt.Decoupling;
using Livt.Engine;
using Livt.Interop;
using Livt.Models;
using Livt.Tests.Models;
using Livt.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Decoupling;

/// <summary>The second stage on a real slice: what changes, what must not, and what it may read.</summary>
public sealed class RetrainHeadTests(SliceRun slice) : IClassFixture<SliceRun>
{
    private RetrainHeadOptions Options(string method, string name) => new()
    {
        Init = slice.Finetuned, Method = method, Out = Path.Combine(slice.Root, name), Epochs = 2, BatchSize = 32,
        Threads = 2, Workers = 2,
    };

    /// <summary>Asserts every encoder tensor of <paramref name="after"/> equals the fine-tuned one to the
    /// bit; returns whether the head changed.</summary>
    private bool EncoderIdentical(string after)
    {
        using var a = SafeTensors.Read(Path.Combine(slice.Finetuned, ModelCheckpoint.FileName));
        using var b = SafeTensors.Read(after);
        Assert.Equal(a.Tensors.Keys.Order(), b.Tensors.Keys.Order());
        foreach (var (name, tensor) in a.Tensors)
            if (!name.StartsWith("head.", StringComparison.Ordinal))
                Assert.True(TensorAssert.BitEqual(tensor, b.Tensors[name]), $"{name} changed");
        return !(TensorAssert.BitEqual(a.Tensors["head.weight"], b.Tensors["head.weight"])
                 && TensorAssert.BitEqual(a.Tensors["head.bias"], b.Tensors["head.bias"]));
    }

    [Fact]
    public void CrtRetrainsTheHeadAndLeavesTheEncoderBitIdentical()
    {
        var result = new RetrainHeadRunner(Options("crt", "crt") with { MaxNorm = 0.5 }).Run();
        Assert.True(EncoderIdentical(result.ModelPath), "cRT did not change the head");
        using var file = SafeTensors.Read(result.ModelPath);
        var meta = ModelMetadata.FromSafeTensorsMetadata(file.Metadata, result.ModelPath);
        Assert.Equal("class-balanced", meta.Sampler);
        Assert.Equal("ce", meta.Loss);
        var report = JsonNode.Parse(File.ReadAllText(result.ReportPath!))!;
        Assert.Equal("retrain-head", (string)report["stage"]!);
        Assert.Contains("MaxNorm", (string)report["loss"]!);
        foreach (var file2 in new[] { "config.json", "log.jsonl", "report.md", "training_curves.png", "confusion.png" })
            Assert.True(File.Exists(Path.Combine(result.RunDir, file2)), $"{file2} missing");
        // The run reused the fine-tuning run's validation split (20 % per class) and logged it.
        Assert.Equal(0.2, (double)JsonNode.Parse(File.ReadAllText(Path.Combine(result.RunDir, "config.json")))!["val_fraction"]!);
        Assert.Contains("val_balanced", File.ReadAllText(Path.Combine(result.RunDir, "log.jsonl")));
    }

    [Theory]
    [InlineData("crt")]
    [InlineData("lws")]
    public void AStoppedSecondStageResumesToTheWeightsOfAnUninterruptedOne(string method)
    {
        var whole = new RetrainHeadRunner(Options(method, $"{method}-whole") with { Epochs = 3 }).Run();
        var cut = Options(method, $"{method}-cut") with { Epochs = 3 };
        using var stop = new CancellationTokenSource();
        var stopAfterFirstEpoch = new StopAfterEpoch(1, stop);
        Assert.Throws<TrainingInterruptedException>(() =>
            new RetrainHeadRunner(cut, context: new RunContext { Observer = stopAfterFirstEpoch, Stop = stop.Token }).Run());
        Assert.False(File.Exists(Path.Combine(cut.Out!, ModelCheckpoint.FileName)));
        var resumed = new StopAfterEpoch(int.MaxValue, stop);
        var result = new RetrainHeadRunner(cut, resumed).Run();
        Assert.Contains(resumed.Messages, m => m.StartsWith($"Resuming {method} at epoch 2", StringComparison.Ordinal));
        using var a = SafeTensors.Read(whole.ModelPath);
        using var b = SafeTensors.Read(result.ModelPath);
        foreach (var (name, tensor) in a.Tensors)
            Assert.True(TensorAssert.BitEqual(tensor, b.Tensors[name]), $"{name} differs after resuming");
    }

    [Fact]
    public void AKilledSecondStageResumesFromItsMidEpochCheckpoint()
    {
        var whole = new RetrainHeadRunner(Options("crt", "crt-steps-whole") with { Epochs = 3 }).Run();
        var cut = Options("crt", "crt-steps-cut") with { Epochs = 3, SaveEverySteps = 1 };
        Assert.Throws<OperationCanceledException>(() => new RetrainHeadRunner(cut, new ResumeTests.KillAt(epoch: 1, step: 2)).Run());
        var resumed = new StopAfterEpoch(int.MaxValue, new CancellationTokenSource());
        var result = new RetrainHeadRunner(cut, resumed).Run();
        Assert.Contains(resumed.Messages, m => m.StartsWith("Resuming crt at epoch 2, step ", StringComparison.Ordinal));
        using var a = SafeTensors.Read(whole.ModelPath);
        using var b = SafeTensors.Read(result.ModelPath);
        foreach (var (name, tensor) in a.Tensors)
            Assert.True(TensorAssert.BitEqual(tensor, b.Tensors[name]), $"{name} differs after resuming mid-epoch");
    }

    /// <summary>Asks the run to stop once epoch <c>epoch</c> (1-based) has completed; keeps the messages.</summary>
    private sealed class StopAfterEpoch(int epoch, CancellationTokenSource stop) : ITrainingObserver
    {
        public List<string> Messages { get; } = [];
        public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) { }
        public void StepCompleted(StepProgress step) { }
        public void EpochCompleted(EpochSummary summary)
        {
            if (summary.Epoch == epoch) stop.Cancel();
        }
        public void Message(string text) => Messages.Add(text);
    }

    [Fact]
    public void LwsOnlyRescalesEachClassAndLeavesTheEncoderBitIdentical()
    {
        var result = new RetrainHeadRunner(Options("lws", "lws") with { Lr = 1.0 }).Run();
        Assert.True(EncoderIdentical(result.ModelPath), "LWS did not change the head");
        using var before = SafeTensors.Read(Path.Combine(slice.Finetuned, ModelCheckpoint.FileName));
        using var after = SafeTensors.Read(result.ModelPath);
        using var scope = torch.NewDisposeScope();
        // Each row is the old one times its class's scale, and the bias is scaled by the same factor.
        var w0 = before.Tensors["head.weight"].to(ScalarType.Float64);
        var w1 = after.Tensors["head.weight"].to(ScalarType.Float64);
        var scales = (w1 * w0).sum(1) / (w0 * w0).sum(1);
        Assert.True((w1 - w0 * scales.unsqueeze(1)).abs().max().item<double>() < 1e-6);
        var b0 = before.Tensors["head.bias"].to(ScalarType.Float64);
        var b1 = after.Tensors["head.bias"].to(ScalarType.Float64);
        Assert.True((b1 - b0 * scales).abs().max().item<double>() < 1e-6);
    }

    [Fact]
    public void TauNormWithTauZeroAndTheBiasKeptIsTheIdentity()
    {
        var result = new RetrainHeadRunner(Options("tau-norm", "tau0") with { Epochs = null, Tau = 0, KeepBias = true }).Run();
        Assert.False(EncoderIdentical(result.ModelPath), "τ = 0 changed the head");
        var before = JsonNode.Parse(File.ReadAllText(Path.Combine(slice.Finetuned, "report.json")))!;
        var after = JsonNode.Parse(File.ReadAllText(result.ReportPath!))!;
        Assert.Equal((double)before["top1"]!, (double)after["top1"]!, 6);
    }

    [Fact]
    public void TauIsChosenOnValidationWithoutReadingTheTestSplit()
    {
        var data = slice.Load();
        var test = new GuardedDataset(data.Test);
        Assert.Throws<InvalidOperationException>(() => test.GetLabel(0)); // the guard is live
        var result = new RetrainHeadRunner(Options("tau-norm", "tau-auto") with { Epochs = null }, new DisarmOnTestEvaluation(test))
            .Run(data with { Test = test });
        var tuned = JsonNode.Parse(File.ReadAllText(result.ReportPath!))!["tuned"]!;
        Assert.Equal("tau_norm_tau", (string)tuned["parameter"]!);
        Assert.Equal(21, tuned["grid"]!.AsArray().Count);
        Assert.Equal(21, tuned["validation_balanced_accuracy"]!.AsArray().Count);
        Assert.InRange((double)tuned["value"]!, 0, 2);
        Assert.Contains("held out", (string)tuned["validation"]!);
    }

    [Fact]
    public void ACosineClassifierIsRetrainedOnlyAsANewLinearHead()
    {
        // The fine-tuned model with its head declared a cosine classifier, as a BCL run saves it.
        var dir = Path.Combine(slice.Root, "cosine-model");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(slice.Finetuned, "config.json"), Path.Combine(dir, "config.json"));
        var (model, meta) = ModelCheckpoint.LoadClassifier(slice.Finetuned, CPU);
        using (model)
            ModelCheckpoint.Save(Path.Combine(dir, ModelCheckpoint.FileName), model, meta with { Model = (VitConfig)meta.Model with { CosineScale = 30 } });
        var lws = Assert.Throws<LivtException>(() => new RetrainHeadRunner(Options("lws", "cos-lws") with { Init = dir }).Run());
        Assert.Contains("cosine", lws.Message);
        var crt = new RetrainHeadRunner(Options("crt", "cos-crt") with { Init = dir }).Run();
        using var file = SafeTensors.Read(crt.ModelPath);
        Assert.Null(Assert.IsType<VitConfig>(ModelMetadata.FromSafeTensorsMetadata(file.Metadata, crt.ModelPath).Model).CosineScale);
    }

    [Fact]
    public void MistakesAreClearErrors()
    {
        Assert.Contains("--max-norm", Assert.Throws<LivtException>(() => new RetrainHeadRunner(Options("lws", "e1") with { MaxNorm = 0.1 })).Message);
        Assert.Contains("--method", Assert.Throws<LivtException>(() => new RetrainHeadRunner(Options("knn", "e2"))).Message);
        Assert.Contains("validation", Assert.Throws<LivtException>(() =>
            new RetrainHeadRunner(Options("tau-norm", "e3") with { Epochs = null, ValFraction = 0 }).Run()).Message);
    }

    [Fact]
    public void EachMethodRunsFromTheCliAndEvaluateLoadsItsModel()
    {
        foreach (var method in new[] { "crt", "lws", "tau-norm" })
        {
            var dir = Path.Combine(slice.Root, $"cli-{method}");
            string[] args = ["retrain-head", "--init", slice.Finetuned, "--method", method, "--batch-size", "32", "--threads", "2", "--workers", "2", "--out", dir];
            var (code, stdout, stderr) = CliErrorTests.Livt(method == "tau-norm" ? args : [.. args, "--epochs", "2"]);
            Assert.True(code == 0, stderr);
            Assert.Contains("top-1", stdout);
            Assert.True(File.Exists(Path.Combine(dir, "report.json")), $"{method}: no report");
        }
        var crt = Path.Combine(slice.Root, "cli-crt");
        var (evalCode, _, evalErr) = CliErrorTests.Livt("evaluate", crt, "--threads", "2", "--workers", "2");
        Assert.True(evalCode == 0, evalErr);
        double Top1(string dir) => (double)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json")))!["top1"]!;
        Assert.Equal(Top1(crt), Top1(Path.Combine(crt, "evaluate")), 6);

        var (code2, _, err2) = CliErrorTests.Livt("evaluate", slice.Finetuned, "--test-prior", "uniform", "--tau", "auto", "--threads", "2", "--workers", "2");
        Assert.True(code2 == 0, err2);
        var tuned = JsonNode.Parse(File.ReadAllText(Path.Combine(slice.Finetuned, "evaluate", "report.json")))!["tuned"]!;
        Assert.Equal("logit_adjustment_tau", (string)tuned["parameter"]!);
    }

    [Fact]
    public void CliMistakesAreOneLine()
    {
        foreach (var (args, expected) in new (string[], string)[]
                 {
                     (["retrain-head", "--init", slice.Finetuned, "--method", "lws", "--tau", "1"], "--tau"),
                     (["retrain-head", "--init", slice.Finetuned, "--method", "knn"], "knn"),
                     (["retrain-head", "--init", "/nonexistent/run", "--method", "crt"], "/nonexistent/run"),
                     (["evaluate", slice.Finetuned, "--tau", "auto"], "--test-prior"),
                 })
        {
            var (code, stdout, stderr) = CliErrorTests.Livt(args);
            Assert.Equal(1, code);
            Assert.StartsWith("error: ", stderr);
            Assert.Contains(expected, stderr);
            Assert.DoesNotContain("   at ", stderr + stdout);
        }
    }
}
