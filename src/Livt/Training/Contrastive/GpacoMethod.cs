using Livt.Augmentation;
using Livt.Engine;
using Livt.Losses.Contrastive;
using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// GPaCo (<c>GPaCo/LT</c>): both views of every image are anchors; the classifier's logit-adjusted logits
/// are the contrast with the learnable class centres, so the loss is the parametric contrastive loss alone;
/// the second view's projections enter a FIFO queue of earlier keys after the step.
/// </summary>
internal sealed class GpacoMethod : ContrastiveMethod
{
    private readonly GpacoLoss _loss;
    private readonly LabeledFeatureQueue? _queue;

    public GpacoMethod(ContrastiveVisionTransformer model, long[] counts, GpacoOptions options, Device device) : base(nameof(GpacoMethod), model)
    {
        _loss = new GpacoLoss(counts, options);
        if (options.QueueSize == 0) return;
        _queue = new LabeledFeatureQueue(options.QueueSize, options.ProjectionDim, device);
        RegisterState(_queue.State());
    }

    public override MultiViewTransform Views(int inputSize, float[] mean, float[] std) => ContrastivePipelines.Gpaco(inputSize, mean, std);

    public override void BeginEpoch(int epoch) => _queue?.Load(RegisteredState);

    public override LossTerms Loss(Tensor views, Tensor labels, StepContext step)
    {
        using var outputs = Model.Encode(ViewMajor(views));
        var projections = SplitViews(outputs.Projection, 2);
        if (_queue is null) return _loss.ForwardViews(projections, labels, outputs.Logits);
        var terms = _loss.ForwardViews(projections, labels, outputs.Logits, _queue.Keys, _queue.Labels);
        _queue.Enqueue(projections.select(1, 1), labels, Gather);
        SyncState(_queue.State());
        return terms;
    }
}
