using Livt.Augmentation;
using Livt.Engine;
using Livt.Losses.Contrastive;
using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// BCL (<c>main.py</c>): three views; the first is classified (logit-adjusted CE through the cosine
/// classifier), the other two are contrasted with each other and with the class centres (the classifier
/// weights through the centre head). No state beyond the model.
/// </summary>
internal sealed class BclMethod(ContrastiveVisionTransformer model, long[] counts, BclOptions options) : ContrastiveMethod(nameof(BclMethod), model)
{
    private readonly BclLoss _loss = new(counts, options);

    public override MultiViewTransform Views(int inputSize, float[] mean, float[] std) => ContrastivePipelines.Bcl(inputSize, mean, std);

    public override LossTerms Loss(Tensor views, Tensor labels, StepContext step)
    {
        int n = (int)views.shape[0];
        using var outputs = Model.Encode(ViewMajor(views));
        var contrast = SplitViews(outputs.Projection[n..], 2);
        using var centres = Model.ClassCenters();
        return _loss.Forward(outputs.Logits[..n], contrast, centres, labels, Gather, Rank);
    }
}
