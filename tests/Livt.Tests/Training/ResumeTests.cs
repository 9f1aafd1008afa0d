using Livt.Configuration;
using Livt.Engine;
using Livt.Interop;
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

    [Fact]
    public void RunKilledMidEpochAndResumedEqualsUninterruptedRun()
    {
        var root = TinyRuns.TempDir();
        var whole = new FinetuneRunner(TinyRuns.Finetune(Path.Combine(root, "whole"), null, epochs: 2, steps: 4)).Run();

        var cut = TinyRuns.Finetune(Path.Combine(root, "cut"), null, epochs: 2, steps: 4);
        Assert.Throws<OperationCanceledException>(() => new FinetuneRunner(cut, new KillAt(epoch: 1, step: 2)).Run());
        Assert.False(File.Exists(Path.Combine(root, "cut", ModelCheckpoint.FileName)));
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
