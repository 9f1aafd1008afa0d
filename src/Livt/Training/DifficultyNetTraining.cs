using Livt.Losses;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>
/// <c>finetune --difficulty-net</c> inside BFT (hitachi-rd-cv/Difficulty_Net): per training batch, a meta step
/// of <see cref="DifficultyNetMetaLearner"/> — difficulties from the per-class validation accuracies of the
/// last epoch, a virtual SGD step of the head on the batch's (detached) features with the class-weighted
/// loss, the CE of the stepped head on a validation batch plus λ·driver loss, Adam on the net — then the
/// real loss of the model, mean_i (Σ_c w_c·y_ic)·ℓ_i, with the updated net's class weights w (mean 1).
/// ℓ is per-sample softmax CE (<c>--loss ce</c>, official) or balanced softmax (<c>bal-ce</c>); soft
/// (Mixup/CutMix, smoothed) targets weight a sample by its targets' mix of class weights. Only the head
/// is meta-updated: TorchSharp cannot run the whole module on substituted parameters.
/// </summary>
internal sealed class DifficultyNetTraining : IDisposable
{
    private readonly DifficultyNetMetaLearner _learner;
    private readonly AlignedBatches _meta;
    private readonly double[]? _logPrior;
    private readonly Func<double> _innerLr;
    private readonly int _numClasses;
    private double[] _accuracies;

    /// <param name="numClasses">C.</param>
    /// <param name="classCounts">Training counts (the balanced softmax's prior).</param>
    /// <param name="balanced">Balanced softmax (<c>bal-ce</c>, τ = <paramref name="tau"/>) rather than CE.</param>
    /// <param name="meta">Validation batches (the official code's meta set), read by global step.</param>
    /// <param name="innerLr">The head's current learning rate: α of the virtual step.</param>
    /// <param name="tau">τ of the balanced softmax.</param>
    /// <param name="lr">Adam learning rate of the net.</param>
    /// <param name="lambda">Weight of the driver loss.</param>
    /// <param name="device">Where the net lives.</param>
    public DifficultyNetTraining(int numClasses, IReadOnlyList<long> classCounts, bool balanced, double tau, AlignedBatches meta,
        Func<double> innerLr, double lr, double lambda, Device device)
    {
        _numClasses = numClasses;
        Net = new DifficultyNet(numClasses);
        Net.to(device);
        _learner = new DifficultyNetMetaLearner(Net, lr, lambda: lambda);
        _meta = meta;
        _innerLr = innerLr;
        _accuracies = new double[numClasses];
        double total = classCounts.Sum(n => (double)n);
        _logPrior = balanced ? classCounts.Select(n => tau * Math.Log(n / total)).ToArray() : null;
        Weights = Enumerable.Repeat(1.0, numClasses).ToArray();
    }

    /// <summary>The net (h = 1024, with biases: the official ImageNet-LT / Places-LT one).</summary>
    public DifficultyNet Net { get; }

    /// <summary>The class weights of the last step (all 1 before the first).</summary>
    public double[] Weights { get; private set; }

    /// <summary>The per-class validation accuracies the net reads, in [0, 1].</summary>
    public IReadOnlyList<double> Accuracies => _accuracies;

    /// <summary>Takes an epoch's per-class validation accuracies in percent (NaN for a class without
    /// validation images counts as 0).</summary>
    public void Observe(IReadOnlyList<double> perClassPercent) =>
        _accuracies = perClassPercent.Select(a => double.IsFinite(a) ? a / 100 : 0).ToArray();

    /// <summary>The meta step, then the class-weighted loss of the batch.</summary>
    /// <param name="model">The model computing the loss (the bf16 working copy under bf16).</param>
    /// <param name="images">The (mixed) batch.</param>
    /// <param name="targets">Soft targets [N, C].</param>
    /// <param name="globalStep">Which validation batch is the meta batch.</param>
    public Tensor Loss(VisionTransformer model, Tensor images, Tensor targets, long globalStep)
    {
        var features = model.ForwardFeatures(images).to(ScalarType.Float32);
        var head = model.Head;
        var logits = head.call(features.to(head.weight!.dtype)).to(ScalarType.Float32);
        var y = targets.to(ScalarType.Float32);

        int perEpoch = _meta.Loader.BatchesPerEpoch;
        using var metaBatch = _meta.Take((int)(globalStep / perEpoch), globalStep % perEpoch);
        Tensor metaFeatures;
        using (no_grad())
            metaFeatures = model.ForwardFeatures(metaBatch.Images.to(images.device)).to(ScalarType.Float32);
        var metaLabels = metaBatch.Labels.to(images.device);
        var trainFeatures = features.detach();
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar one = 1;
        Tensor HeadLogits(IReadOnlyList<Tensor> p, Tensor f) => f.matmul(p[0].t()).add(p[1], one);
        var step = _learner.Step(tensor(_accuracies), y.argmax(-1),
            [head.weight!.to(ScalarType.Float32), head.bias!.to(ScalarType.Float32)],
            p => PerSample(HeadLogits(p, trainFeatures), y),
            p => nn.functional.cross_entropy(HeadLogits(p, metaFeatures), metaLabels),
            _innerLr());
        Weights = step.ClassWeights;
        var w = tensor(Weights, ScalarType.Float32, images.device);
        return (PerSample(logits, y) * y.matmul(w)).mean();
    }

    /// <summary>Per-sample soft-target CE of the (balanced-softmax-shifted) logits [N].</summary>
    private Tensor PerSample(Tensor logits, Tensor y)
    {
        using Scalar one = 1;
        var z = _logPrior is null ? logits : logits.add(tensor(_logPrior, logits.dtype, logits.device), one);
        return -(y * z.log_softmax(-1)).sum(-1);
    }

    public void Dispose()
    {
        _learner.Dispose();
        Net.Dispose();
        _meta.Dispose();
    }
}
