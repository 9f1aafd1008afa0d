using Livt.Augmentation;
using Livt.Engine;
using Livt.Losses.Contrastive;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// PaCo (<c>PaCo/LT</c>: <c>paco_lt.py</c> on the MoCo builder): the first view is the query of the online
/// model, whose logit-adjusted logits are its contrast with the class centres; the second view is the key
/// of a momentum encoder (moved before the keys are computed, no gradient); the contrast set is
/// [queries, keys, queue] with the queries as the anchors (<see cref="GpacoLoss.Forward"/>); after the step
/// the keys enter the FIFO queue (every rank's, gathered). The key encoder and the queue are training
/// state, checkpointed with the model.
/// </summary>
internal sealed class PacoMethod : ContrastiveMethod
{
    private readonly GpacoLoss _loss;
    private readonly ContrastiveVisionTransformer _key;
    private readonly MomentumEncoder _momentum;
    private readonly LabeledFeatureQueue? _queue;

    public PacoMethod(ContrastiveVisionTransformer model, ContrastiveVisionTransformer key, long[] counts, GpacoOptions options, Device device)
        : base(nameof(PacoMethod), model)
    {
        _loss = new GpacoLoss(counts, options);
        _key = key;
        register_module("key", key);
        _momentum = new MomentumEncoder(model, key, options.EncoderMomentum);
        if (options.QueueSize == 0) return;
        _queue = new LabeledFeatureQueue(options.QueueSize, options.ProjectionDim, device);
        RegisterState(_queue.State());
    }

    public override MultiViewTransform Views(int inputSize, float[] mean, float[] std) => ContrastivePipelines.Paco(inputSize, mean, std);

    public override void BeginEpoch(int epoch) => _queue?.Load(RegisteredState);

    public override LossTerms Loss(Tensor views, Tensor labels, StepContext step)
    {
        using var query = Model.Encode(views.select(1, 0));
        var key = MomentumKeys(_momentum, _key, views.select(1, 1));
        var ids = labels.to(ScalarType.Int64);
        var contrast = _queue is null ? torch.cat([query.Projection, key]) : torch.cat([query.Projection, key, _queue.Keys.to(key.dtype)]);
        var contrastLabels = _queue is null ? torch.cat([ids, ids]) : torch.cat([ids, ids, _queue.Labels]);
        var terms = _loss.Forward(contrast, contrastLabels, query.Logits);
        if (_queue is null) return terms;
        _queue.Enqueue(key, ids, Gather);
        SyncState(_queue.State());
        return terms;
    }
}
