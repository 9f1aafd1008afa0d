using Livt.Configuration;
using Livt.Engine;
using Livt.Interop;
using Livt.Optimization;
using Livt.Training;

namespace Livt.Tests.Training;

public class ResumeTests
{
    internal sealed class KillAt(int epoch, int step) : ITrainingObserver
    {
        public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) { }
        public void StepCompleted(StepProgress s)
        {
            if (s.Epoch == epoch && s.Step == step) throw new OperationCanceledException("simulated kill");
        }
        public void EpochCompleted(EpochSummary e) { }
        public void Message(string text) { }
    }

    /// <summary>A tiny fine-tuning run with <paramref name="optimizer"/> (SGD with momentum 0.8 and its official weight decay).</summary>
    private static TrainConfig Config(string outDir, string optimizer)
    {
        var config = TinyRuns.Finetune(outDir, null, epochs: 2, steps: 4);
        return optimizer == "sgd" ? config with { Optimizer = OptimizerKind.Sgd, Momentum = 0.8, WeightDecay = 5e-4, Lr = 0.05 } : config;
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("sgd")]
    public void RunKilledMidEpochAndResumedEqualsUninterruptedRun(string optimizer)
    {
        var root = TinyRuns.TempDir();
        var whole = new FinetuneRunner(Config(Path.Combine(root, "whole"), optimizer)).Run();

        var cut = Config(Path.Combine(root, "cut"), optimizer);
        Assert.Throws<OperationCanceledException>(() => new FinetuneRunner(cut, new KillAt(epoch: 1, step: 2)).Run());
        Assert.False(File.Exists(Path.Combine(root, "cut", ModelCheckpoint.FileName)));
        // The checkpoint holds the state of the optimizer the run was given: SGD's momentum buffers, or AdamW's moments.
        using (var state = SafeTensors.Read(Directory.GetFiles(Path.Combine(root, "cut"), OptimizerState.FileName, SearchOption.AllDirectories)[0]))
        {
            Assert.Equal(optimizer, state.Metadata["optimizer"]);
            Assert.Contains(state.Tensors.Keys, k => k.EndsWith(optimizer == "sgd" ? ".momentum_buffer" : ".exp_avg", StringComparison.Ordinal));
        }
        var resumed = new FinetuneRunner(ConfigResolver.ReadResolved(Path.Combine(root, "cut", "config.json"))).Run();

        using var a = SafeTensors.Read(whole.ModelPath);
        using var b = SafeTensors.Read(resumed.ModelPath);
        Assert.Equal(a.Tensors.Keys.Order(), b.Tensors.Keys.Order());
        foreach (var (name, t) in a.Tensors)
            Assert.True(t.bytes.SequenceEqual(b.Tensors[name].bytes), $"{name} differs after resume");
        var ra = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(whole.ReportPath!))!;
        var rb = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(resumed.ReportPath!))!;
        foreach (var key in new[] { "top1", "top5", "many", "medium", "few", "ece", "nll", "per_class" })
            Assert.Equal(ra[key]?.ToJsonString(), rb[key]?.ToJsonString());
    }
}
