using System.Diagnostics;
using Livt.Data;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Losses;
using Livt.Optimization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>
/// Trains a classifier head on cached features as the official decoupling code trains its classifier:
/// SGD with momentum and (L2) weight decay, a cosine learning rate from lr to 0, epochs of
/// ⌊N / batch⌋ steps whose samples the sampler draws. The schedule is set per step (the official code
/// steps <c>CosineAnnealingLR</c> per epoch). Validation, when given, is scored after every epoch.
/// </summary>
internal sealed class HeadTrainer
{
    public required string Stage { get; init; }
    public required int Epochs { get; init; }
    public required int BatchSize { get; init; }
    public required double Lr { get; init; }
    public required double Momentum { get; init; }
    public required double WeightDecay { get; init; }
    public required ITrainingObserver Observer { get; init; }
    public required RunLog Log { get; init; }

    /// <summary>Trains <paramref name="trainable"/> through <paramref name="head"/> (features → logits);
    /// <paramref name="afterStep"/> runs after every optimizer step (a projection). Returns the last
    /// epoch's mean loss.</summary>
    public double Train(nn.Module<Tensor, Tensor> head, IReadOnlyList<Parameter> trainable, FeatureSet train, FeatureSet? validation,
        LongTailLoss loss, ISampler sampler, Action? afterStep, string runDir)
    {
        int steps = train.Count / BatchSize;
        if (steps == 0)
            throw new LivtException($"--batch-size {BatchSize}: larger than the {train.Count} training images; lower it");
        var schedule = new LrSchedule(Lr, 0, 0, Epochs);
        using var store = ParameterStore.Create(ParamGroups.Single(trainable, WeightDecay));
        using var optimizer = new Sgd(store, Lr, Momentum);
        Observer.StageStarted(Stage, 0, Epochs, steps, runDir);
        double lastLoss = double.NaN;
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            head.train();
            int[] order = sampler.EpochIndices(epoch);
            double lossSum = 0, lr = 0;
            for (int step = 0; step < steps; step++)
            {
                using var scope = torch.NewDisposeScope();
                lr = schedule.At(epoch + (double)step / steps);
                optimizer.Lr = lr;
                var index = torch.tensor(order.AsSpan(step * BatchSize, BatchSize).ToArray(), device: train.Features.device);
                var value = loss.Forward(head.call(train.Features.index_select(0, index)), train.Labels.index_select(0, index));
                optimizer.ZeroGrad();
                value.backward();
                optimizer.Step();
                afterStep?.Invoke();
                double v = value.item<float>();
                if (!double.IsFinite(v))
                    throw new LivtException($"{Stage}: the loss became {v} at epoch {epoch + 1}, step {step + 1}; try a lower --lr");
                lossSum += v;
                Observer.StepCompleted(new StepProgress(Stage, epoch, Epochs, step + 1, steps, v, lr,
                    BatchSize / Math.Max(clock.Elapsed.TotalSeconds / (step + 1), 1e-9)));
            }
            lastLoss = lossSum / steps;
            double seconds = clock.Elapsed.TotalSeconds;
            var (top1, balanced) = Score(head, validation);
            Log.Write("epoch", Stage, (epoch + 1) * steps, new Dictionary<string, double?>
            {
                ["epoch"] = epoch + 1, ["loss"] = lastLoss, ["lr"] = lr, ["seconds"] = seconds,
                ["images_per_second"] = steps * BatchSize / Math.Max(seconds, 1e-9), ["val_top1"] = top1, ["val_balanced"] = balanced,
            });
            Observer.EpochCompleted(new EpochSummary(Stage, epoch + 1, Epochs, lastLoss, lr, seconds, steps * BatchSize / Math.Max(seconds, 1e-9),
                top1, balanced));
        }
        head.eval();
        return lastLoss;
    }

    private static (double? Top1, double? Balanced) Score(nn.Module<Tensor, Tensor> head, FeatureSet? validation)
    {
        if (validation is null) return (null, null);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        head.eval();
        var logits = head.call(validation.Features);
        double top1 = 100.0 * logits.argmax(1).eq(validation.Labels).to(ScalarType.Float64).mean().item<double>();
        return (top1, ValidationSearch.BalancedAccuracy(logits, validation.Labels));
    }
}
