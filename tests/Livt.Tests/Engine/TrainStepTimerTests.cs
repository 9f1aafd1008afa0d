using System.Text.Json.Nodes;
using Livt.Benchmarking;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Runtime;
using Livt.Tests.Models;
using Livt.Tests.Training;
using Livt.Training;
using Livt.Training.Pretraining;
using Livt.Training.Pretraining.Mae;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Engine;

/// <summary>The timing seam of <see cref="TrainStep"/> that <c>livt bench</c> uses instead of a step of its own.</summary>
public class TrainStepTimerTests
{
    private sealed class Recorder : IStepTimer
    {
        public List<StepPart> Parts { get; } = [];
        public void PartEnded(StepPart part) => Parts.Add(part);
    }

    [Fact]
    public void TheTimerHearsEachPartInOrderAndTheAllReduceAndOptimizerOnlyAtABoundary()
    {
        LivtRuntime.Initialize();
        var config = ConfigResolver.Resolve("pretrain", ConfigResolver.ReadRecipe(QuickStart.Recipe),
            new JsonObject { ["accum_iter"] = 2, ["precision"] = "fp32", ["out"] = TinyRuns.TempDir() });
        var modelConfig = ParityTests.Tiny();
        var fp32 = PrecisionPolicy.Resolve("fp32", CPU);
        using var parts = new MaeMethod().Create(new PretrainingSetup(config, modelConfig, fp32, CPU, SingleProcessParallel.Instance, 10, NullTrainingObserver.Instance));
        var stage = new PretrainStage(parts, CPU);
        var recorder = new Recorder();
        var step = TrainStep.For(config.TrainerOptions(), stage, parts.Optimizer, SingleProcessParallel.Instance);
        step.Timer = recorder;
        using var batch = new Batch(torch.rand(4, modelConfig.InChans, modelConfig.ImageSize, modelConfig.ImageSize),
            torch.zeros(4, dtype: int64), [0, 1, 2, 3], 0);
        using var generator = new Generator(1);
        using var before = parts.Model.parameters().First().detach().clone();

        using (torch.NewDisposeScope()) step.Run(batch, new StepContext(0, 0, 0, 0, generator), 0.5);
        Assert.Equal([StepPart.Forward, StepPart.Backward], recorder.Parts);
        Assert.True(parts.Model.parameters().First().equal(before).all().item<bool>(), "an accumulation micro-step stepped the optimizer");

        recorder.Parts.Clear();
        using (torch.NewDisposeScope()) step.Run(batch, new StepContext(0, 1, 1, 1, generator), 0.5);
        Assert.Equal([StepPart.Forward, StepPart.Backward, StepPart.AllReduce, StepPart.Optimizer], recorder.Parts);
        Assert.False(parts.Model.parameters().First().equal(before).all().item<bool>(), "the boundary did not step the optimizer");
    }

    [Fact]
    public void BenchPartTimerRecordsEachPartFromTheEndOfThePrevious()
    {
        var timer = new PartTimer(torch.CPU);
        timer.Begin(timed: false);
        timer.PartEnded(StepPart.Forward);
        Assert.All(timer.Parts, p => Assert.True(double.IsNaN(p.Median)));
        timer.Begin(timed: true);
        Thread.Sleep(20);
        timer.PartEnded(StepPart.Forward);
        timer.PartEnded(StepPart.Backward);
        double forward = timer.Parts[(int)StepPart.Forward].Median;
        Assert.True(forward >= 0.015, $"forward {forward} s");
        Assert.True(timer.Parts[(int)StepPart.Backward].Median < forward, "backward was timed from the step's start, not from the forward's end");
        Assert.True(double.IsNaN(timer.Parts[(int)StepPart.AllReduce].Median));
        Assert.True(double.IsNaN(timer.Parts[(int)StepPart.Optimizer].Median));
    }
}
