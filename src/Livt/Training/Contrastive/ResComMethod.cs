using Livt.Augmentation;
using Livt.Engine;
using Livt.Losses.Contrastive;
using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// ResCom (<c>main_rescom.py</c>), one stage: both views classified (siamese balanced softmax) and
/// contrasted with each other and with the hard keys mined from a class-balanced queue, into which the
/// first view's projections go after the step.
/// </summary>
internal sealed class ResComMethod : ContrastiveMethod
{
    private readonly ResComLoss _loss;
    private readonly ClassBalancedQueue _queue;

    public ResComMethod(ContrastiveVisionTransformer model, long[] counts, ResComOptions options, int seed, Device device) : base(nameof(ResComMethod), model)
    {
        _loss = new ResComLoss(counts, options);
        _queue = new ClassBalancedQueue(counts.Length, options.QueuePerClass, options.ProjectionDim,
            Seeds.Derive(seed, 0, Seeds.Stream.ContrastiveState), device);
        RegisterState(_queue.State());
    }

    public override MultiViewTransform Views(int inputSize, float[] mean, float[] std) => ContrastivePipelines.ResCom(inputSize, mean, std);

    public override void BeginEpoch(int epoch) => _queue.Load(RegisteredState);

    public override LossTerms Loss(Tensor views, Tensor labels, StepContext step)
    {
        using var outputs = Model.Encode(ViewMajor(views));
        var projections = SplitViews(outputs.Projection, 2);
        var terms = _loss.Forward(projections, labels, outputs.Logits, _queue.Keys);
        _queue.Enqueue(projections.select(1, 0), labels, Gather);
        SyncState(_queue.State());
        return terms;
    }
}
