using Livt.Engine;
using Livt.Interop;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>
/// <c>finetune --difficulty-net</c> inside BFT (hitachi-rd-cv/Difficulty_Net): per training batch, a meta step
/// of <see cref="DifficultyNetMetaLearner"/> — difficulties from the per-class validation accuracies of the
/// last epoch, a virtual SGD step with the class-weighted loss of the batch, the CE of the stepped model on
/// a validation batch plus λ·driver loss, Adam on the net — then the real loss of the model,
/// mean_i (Σ_c w_c·y_ic)·ℓ_i, with the updated net's class weights w (mean 1). The virtual step covers the
/// whole model (<see cref="DifficultyMetaScope.Model"/>, the official code's, run through
/// <see cref="FunctionalVit"/>) or the head alone on the batch's detached features
/// (<see cref="DifficultyMetaScope.Head"/>). ℓ is per-sample softmax CE (<c>--loss ce</c>, official) or
/// balanced softmax (<c>bal-ce</c>); soft (Mixup/CutMix, smoothed) targets weight a sample by its targets'
/// mix of class weights. The net, its Adam state and the accuracies go into every checkpoint.
/// </summary>
internal sealed class DifficultyNetTraining : IDisposable
{
    private readonly DifficultyNetMetaLearner _learner;
    private readonly AlignedBatches _meta;
    private readonly double[]? _logPrior;
    private readonly Func<double> _innerLr;
    private readonly DifficultyMetaScope _scope;
    private double[] _accuracies;

    /// <param name="numClasses">C.</param>
    /// <param name="classCounts">Training counts (the balanced softmax's prior).</param>
    /// <param name="balanced">Balanced softmax (<c>bal-ce</c>, τ = <paramref name="tau"/>) rather than CE.</param>
    /// <param name="meta">Validation batches (the official code's meta set), read by global step.</param>
    /// <param name="innerLr">The top layer's current learning rate: α of the virtual step.</param>
    /// <param name="tau">τ of the balanced softmax.</param>
    /// <param name="lr">Adam learning rate of the net.</param>
    /// <param name="lambda">Weight of the driver loss.</param>
    /// <param name="device">Where the net lives.</param>
    /// <param name="scope">What the virtual step updates: the whole model or the head.</param>
    /// <param name="seed">The run seed the net's initial weights are drawn from.</param>
    public DifficultyNetTraining(int numClasses, IReadOnlyList<long> classCounts, bool balanced, double tau, AlignedBatches meta,
        Func<double> innerLr, double lr, double lambda, Device device, DifficultyMetaScope scope, int seed)
    {
        _scope = scope;
        using (var generator = new Generator((ulong)Seeds.Derive(seed, 0, Seeds.Stream.DifficultyNet)))
            Net = new DifficultyNet(numClasses, generator: generator);
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
        var y = targets.to(ScalarType.Float32);
        int perEpoch = _meta.Loader.BatchesPerEpoch;
        using var metaBatch = _meta.Take((int)(globalStep / perEpoch), globalStep % perEpoch);
        var metaImages = metaBatch.Images.to(images.device);
        var metaLabels = metaBatch.Labels.to(images.device);
        var accuracies = tensor(_accuracies);
        var dominant = y.argmax(-1);
        DifficultyMetaStep step;
        Tensor logits;
        if (_scope == DifficultyMetaScope.Model)
        {
            // The virtual step over every trainable parameter, in fp32 (from the bf16 working copy's values
            // under bf16), the model run functionally on them; the real loss is the model's own forward.
            var all = model.named_parameters().ToArray();
            var trainable = all.Where(p => p.parameter.requires_grad).Select(p => p.name).ToArray();
            var fixedValues = all.Where(p => !p.parameter.requires_grad).ToDictionary(p => p.name, p => p.parameter.detach().to(ScalarType.Float32));
            Tensor Run(IReadOnlyList<Tensor> values, Tensor x)
            {
                var parameters = new Dictionary<string, Tensor>(fixedValues);
                for (int i = 0; i < trainable.Length; i++) parameters[trainable[i]] = values[i];
                return FunctionalVit.Forward(model.Config, parameters, x);
            }
            step = _learner.Step(accuracies, dominant,
                all.Where(p => p.parameter.requires_grad).Select(p => p.parameter.to(ScalarType.Float32)).ToArray(),
                p => PerSample(Run(p, images), y),
                p => nn.functional.cross_entropy(Run(p, metaImages), metaLabels),
                _innerLr());
            logits = model.forward(images).to(ScalarType.Float32);
        }
        else
        {
            var features = model.ForwardFeatures(images).to(ScalarType.Float32);
            var head = model.Head;
            logits = head.call(features.to(head.weight!.dtype)).to(ScalarType.Float32);
            Tensor metaFeatures;
            using (no_grad())
                metaFeatures = model.ForwardFeatures(metaImages).to(ScalarType.Float32);
            var trainFeatures = features.detach();
            // Held for the call: a temporary Scalar can be finalized while libtorch reads it (see Block).
            using Scalar one = 1;
            Tensor HeadLogits(IReadOnlyList<Tensor> p, Tensor f) => f.matmul(p[0].t()).add(p[1], one);
            step = _learner.Step(accuracies, dominant,
                [head.weight!.to(ScalarType.Float32), head.bias!.to(ScalarType.Float32)],
                p => PerSample(HeadLogits(p, trainFeatures), y),
                p => nn.functional.cross_entropy(HeadLogits(p, metaFeatures), metaLabels),
                _innerLr());
        }
        Weights = step.ClassWeights;
        var w = tensor(Weights, ScalarType.Float32, images.device);
        return (PerSample(logits, y) * y.matmul(w)).mean();
    }

    /// <summary>Writes the net, the accuracies it reads and the last class weights
    /// (<c>difficulty.safetensors</c>) and its Adam state (<c>difficulty_optimizer.bin</c>) into a checkpoint folder
    /// and returns the two names, which the checkpoint's manifest covers.</summary>
    public IReadOnlyList<string> SaveState(string dir)
    {
        using var scope = torch.NewDisposeScope();
        var state = Net.state_dict().ToDictionary(kv => "net." + kv.Key, kv => kv.Value);
        state["accuracies"] = tensor(_accuracies, ScalarType.Float64);
        state["weights"] = tensor(Weights, ScalarType.Float64);
        SafeTensors.Write(Path.Combine(dir, StateFile), state);
        _learner.SaveOptimizer(Path.Combine(dir, OptimizerFile));
        return [StateFile, OptimizerFile];
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote.</summary>
    /// <exception cref="LivtException">The checkpoint has no Difficulty-Net state (a run started without it).</exception>
    public void LoadState(string dir)
    {
        var path = Path.Combine(dir, StateFile);
        if (!File.Exists(path))
            throw new LivtException($"{dir}: has no Difficulty-Net state ({StateFile}): the run was not started with --difficulty-net");
        using (var file = SafeTensors.Read(path))
        {
            StateDictLoader.Load(Net, file.Tensors.Where(kv => kv.Key.StartsWith("net.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key["net.".Length..], kv => kv.Value), strict: true, source: path);
            _accuracies = file.Tensors["accuracies"].data<double>().ToArray();
            Weights = file.Tensors["weights"].data<double>().ToArray();
        }
        _learner.LoadOptimizer(Path.Combine(dir, OptimizerFile));
    }

    private const string StateFile = "difficulty.safetensors", OptimizerFile = "difficulty_optimizer.bin";

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
