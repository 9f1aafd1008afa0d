using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Interop;
using Livt.Losses;
using Livt.Models;
using Livt.Training;
using Livt.Training.Setup;
using static TorchSharp.torch;

namespace Livt.Tests.Training;

/// <summary><c>finetune --cmo</c>: the pasted patch and the second label come from the minority-weighted
/// loader's batch of the same step, and a killed run resumes exactly.</summary>
public class CmoTrainingTests
{
    /// <summary>Soft-target CE that keeps the last targets it was given.</summary>
    private sealed class RecordingLoss(IReadOnlyList<long> counts) : LongTailLoss(counts)
    {
        public float[]? Targets { get; private set; }

        public override Tensor Forward(Tensor logits, Tensor targets)
        {
            Targets = targets.to(ScalarType.Float32).data<float>().ToArray();
            return -(targets * logits.log_softmax(-1)).sum(-1).mean();
        }
    }

    private static TrainConfig Config(string dir, int epochs = 3, int steps = 2) =>
        TinyRuns.Finetune(dir, null, epochs, steps) with
        {
            Cmo = true, CmoProb = 1, CmoStartEpoch = 0, CmoEndEpochs = 0, Mixup = 0, Cutmix = 0, Smoothing = 0,
        };

    [Fact]
    public void PastedPatchAndSecondLabelComeFromTheMinorityWeightedBatchOfTheStep()
    {
        var config = Config(TinyRuns.TempDir());
        TrainConfigRules.Check(config, "finetune");
        var data = TrainingData.Load(config);
        var (mean, std) = RunSetup.MeanStd(config, data.Train);
        var modelConfig = RunSetup.ModelConfig(config, data.Train.Channels, data.Train.NumClasses, 0);
        var transform = FinetuneRunner.TrainTransform(config, modelConfig.ImageSize, mean, std);
        var context = new RunContext();
        var counts = DatasetStats.ClassCounts(data.Train);
        using var foreground = new AlignedBatches(RunSetup.CmoLoader(config, data.Train, transform, context));
        using var model = new VisionTransformer(modelConfig);
        var loss = new RecordingLoss(counts);
        var stage = new FinetuneStage(model, null, loss, config, CPU, data.Train.NumClasses, _ => (null, null), foreground);

        const int epoch = 1, step = 1;
        using var background = RunSetup.TrainLoader(config, data.Train, transform, context).Epoch(epoch, step).First();
        using var expected = RunSetup.CmoLoader(config, data.Train, transform, context).Epoch(epoch, step).First();
        using var original = background.Images.clone();
        using var generator = new Generator(1);
        using (NewDisposeScope())
            stage.Loss(background, new StepContext(epoch, step, 10, 10, generator));

        // The minority-weighted batch is far less head-heavy than the usual one.
        var bgLabels = background.Labels.data<long>().ToArray();
        var fgLabels = expected.Labels.data<long>().ToArray();
        Assert.True(fgLabels.Count(l => l == 0) < bgLabels.Count(l => l == 0), "the foreground batch should not be dominated by the head class");

        // Every pixel is the background's or, inside the box, the foreground image's; and some are pasted.
        var mixed = background.Images.data<float>().ToArray();
        var before = original.data<float>().ToArray();
        var fg = expected.Images.data<float>().ToArray();
        int pasted = 0;
        for (int k = 0; k < mixed.Length; k++)
        {
            if (mixed[k] == before[k]) continue;
            Assert.Equal(fg[k], mixed[k]);
            pasted++;
        }
        Assert.True(pasted > 0, "no pixel was pasted");

        // Targets: λ on the background label, 1 − λ on the foreground image's label, with 1 − λ at least the
        // share of pixels that changed (a pasted pixel may equal the one it covers).
        int n = bgLabels.Length, classes = data.Train.NumClasses;
        long plane = original.shape[1] * original.shape[2] * original.shape[3];
        var targets = loss.Targets!;
        int differ = Enumerable.Range(0, n).First(i => bgLabels[i] != fgLabels[i]);
        double lambda = targets[differ * classes + (int)bgLabels[differ]];
        Assert.InRange(1 - lambda, (double)pasted / n / plane - 1e-6, 1);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < classes; c++)
            {
                double want = (c == bgLabels[i] ? lambda : 0) + (c == fgLabels[i] ? 1 - lambda : 0);
                Assert.Equal(want, targets[i * classes + c], 4);
            }
    }

    [Fact]
    public void RunKilledInsideTheCmoWindowResumesExactly()
    {
        var root = TinyRuns.TempDir();
        var whole = new FinetuneRunner(Config(Path.Combine(root, "whole"), epochs: 2, steps: 3) with { CmoProb = 0.7, SaveEverySteps = 1 }).Run();
        var cut = Config(Path.Combine(root, "cut"), epochs: 2, steps: 3) with { CmoProb = 0.7, SaveEverySteps = 1 };
        Assert.Throws<OperationCanceledException>(() => new FinetuneRunner(cut, new ResumeTests.KillAt(epoch: 1, step: 2)).Run());
        var resumed = new FinetuneRunner(ConfigResolver.ReadResolved(Path.Combine(root, "cut", "config.json"))).Run();

        using var a = SafeTensors.Read(whole.ModelPath);
        using var b = SafeTensors.Read(resumed.ModelPath);
        foreach (var (name, t) in a.Tensors)
            Assert.True(t.bytes.SequenceEqual(b.Tensors[name].bytes), $"{name} differs after resume");
    }
}
