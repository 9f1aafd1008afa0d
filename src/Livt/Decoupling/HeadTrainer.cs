using Livt.Data;
using Livt.Engine;
using Livt.Losses;
using Livt.Optimization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>
/// Trains a classifier head on cached features as the official decoupling code trains its classifier:
/// SGD with momentum and (L2) weight decay, a cosine learning rate from lr to 0, epochs of
/// ⌊N / batch⌋ steps whose samples the sampler draws. It runs on the shared <see cref="Trainer"/>
/// (<see cref="HeadStage"/> over <see cref="FeatureBatches"/>), so a second stage checkpoints every epoch,
/// stops cleanly on request and resumes where it stopped.
/// The schedule is set per step (the official code steps <c>CosineAnnealingLR</c> per epoch).
/// Validation, when given, is scored after every epoch.
/// </summary>
internal sealed class HeadTrainer
{
    public required string Stage { get; init; }
    public required int Epochs { get; init; }
    public required int BatchSize { get; init; }
    public required double Lr { get; init; }
    public required double Momentum { get; init; }
    public required double WeightDecay { get; init; }
    public required int Seed { get; init; }
    public int? SaveEverySteps { get; init; }

    /// <summary>Where progress goes, when to stop, and the processes, each of which trains on all the features.</summary>
    public required RunContext Context { get; init; }

    /// <summary>The run folder its log and checkpoints go to.</summary>
    public required RunFolder Folder { get; init; }

    /// <summary>Trains <paramref name="trainable"/> through <paramref name="head"/> (features → logits);
    /// <paramref name="afterStep"/> runs after every optimizer step (a projection). Returns the last
    /// epoch's mean loss.</summary>
    /// <exception cref="TrainingInterruptedException">The stop token fired; a checkpoint was written.</exception>
    public double Train(nn.Module<Tensor, Tensor> head, IReadOnlyList<Parameter> trainable, FeatureSet train, FeatureSet? validation,
        LongTailLoss loss, ISampler sampler, Action? afterStep)
    {
        if (train.Count / BatchSize == 0)
            throw new LivtException($"--batch-size {BatchSize}: larger than the {train.Count} training images; lower it");
        using var store = ParameterStore.Create(ParamGroups.Single(trainable, WeightDecay));
        using var optimizer = new Sgd(store, Lr, Momentum);
        var options = new TrainerOptions
        {
            Epochs = Epochs, BatchSize = BatchSize, DataName = "the training features", Lr = Lr, Seed = Seed, SaveEverySteps = SaveEverySteps,
        };
        double lastLoss = new Trainer(options, Folder, new HeadStage(Stage, head, loss, validation, afterStep),
            new FeatureBatches(train, sampler, BatchSize), optimizer, Context).Run();
        head.eval();
        return lastLoss;
    }
}
