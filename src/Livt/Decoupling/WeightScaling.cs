using Livt.Methods;

namespace Livt.Decoupling;

/// <summary>LWS (Kang et al., ICLR 2020): the fine-tuned head kept frozen, one learnt scale per class on its
/// logits, folded into the head at the end.</summary>
public sealed class WeightScaling : SecondStage
{
    /// <inheritdoc/>
    public override string Name => "lws";

    /// <inheritdoc/>
    public override string Summary => "one learnt scale per class";

    /// <inheritdoc/>
    public override int DefaultEpochs => 5;

    internal override HeadFit Fit(HeadFitInputs x)
    {
        using var lws = new LearnableWeightScaling(x.HeadWeight, x.HeadBias);
        double loss = x.Trainer.Train(lws, [lws.Scales], x.Train, x.Validation, x.Loss(), x.Sampler(), null);
        var (w, b) = lws.Fold();
        return new HeadFit(w, b, null, loss, $"LWS ({LongTailMethods.Find(x.Options.Loss)?.Name}, {x.Options.Sampler} sampling)");
    }
}
