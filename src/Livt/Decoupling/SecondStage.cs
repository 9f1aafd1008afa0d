using Livt.Data;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Losses;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>
/// One second stage of <c>livt retrain-head</c> (registered in <see cref="SecondStages.All"/>): its name,
/// its line of documentation, whether it trains (and so takes the SGD flags, the loss and the sampler), the
/// flags that belong to it, and how it turns the fine-tuned head into the new one on the frozen features.
/// </summary>
public abstract class SecondStage
{
    /// <summary>The <c>--method</c> name.</summary>
    public abstract string Name { get; }

    /// <summary>Other spellings read as <see cref="Name"/>.</summary>
    public virtual IReadOnlyList<string> Aliases => [];

    /// <summary>One line for <c>--help</c> and the docs.</summary>
    public abstract string Summary { get; }

    /// <summary>Whether it trains on the features (epochs, SGD, loss, sampler apply), or only rescales the head.</summary>
    public virtual bool Trains => true;

    /// <summary>Epochs when <c>--epochs</c> is not given (the official configs').</summary>
    public virtual int DefaultEpochs => 10;

    /// <summary>The flags of <see cref="RetrainHeadOptions"/> that only this stage reads; given with another
    /// stage they are an error.</summary>
    public virtual IReadOnlyList<string> Flags => [];

    /// <summary>Whether it can start from a pretraining run's encoder, which has no trained head (with
    /// these options): only a new head can, which makes the stage a linear probe.</summary>
    public virtual bool Probes(RetrainHeadOptions options) => false;

    /// <summary>Whether it chooses a value on the validation split with these options (τ-norm's τ auto).</summary>
    public virtual bool ChoosesOnValidation(RetrainHeadOptions options) => false;

    /// <summary>Checks the options only this stage reads.</summary>
    /// <exception cref="LivtException">One out of range.</exception>
    public virtual void Validate(RetrainHeadOptions options) { }

    /// <summary>The new head from the fine-tuned one and the features.</summary>
    internal abstract HeadFit Fit(HeadFitInputs inputs);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>What a second stage works from: the fine-tuned head, the frozen features, and the run's
/// ways to train a head (the shared SGD loop, the loss, the sampler).</summary>
internal sealed record HeadFitInputs(
    Tensor HeadWeight, Tensor HeadBias, FeatureSet Train, FeatureSet? Validation, string? ValidationNote, long[] Counts, int Seed,
    RetrainHeadOptions Options, Device Device, ITrainingObserver Observer, HeadTrainer Trainer, Func<LongTailLoss> Loss, Func<ISampler> Sampler);

/// <summary>A second stage's result: the new head, the value chosen on validation if any, the last training
/// loss (NaN without training) and the description the report shows.</summary>
internal sealed record HeadFit(Tensor Weight, Tensor Bias, TunedValue? Tuned, double Loss, string Description);
