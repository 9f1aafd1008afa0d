using Livt.Losses;
using Livt.Models;
using Livt.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>What one Difficulty-Net meta step did.</summary>
/// <param name="MetaLoss">The meta-set loss after the virtual step, before the λ·driver term.</param>
/// <param name="DriverLoss">The driver loss of the predictions before the update.</param>
/// <param name="ClassWeights">The class weights (mean 1) of the updated net, for the real model step.</param>
public sealed record DifficultyMetaStep(double MetaLoss, double DriverLoss, double[] ClassWeights);

/// <summary>
/// Difficulty-Net's meta-learning loop, one training batch at a time (hitachi-rd-cv/Difficulty_Net,
/// CIFAR-LT <c>cifar_train_exaugment.py</c>, the Meta-Weight-Net pattern):
/// <list type="number">
/// <item>difficulties d = net(a) from the per-class validation accuracies a; class weights w = d/Σd·C;</item>
/// <item>a virtual SGD step of the model on the training batch with the w-weighted loss:
/// θ' = θ − α ∇θ mean_i w_{y_i} ℓ_i(θ), keeping the graph;</item>
/// <item>the meta loss — the model's loss at θ' on a meta batch (the balanced validation set) — plus
/// λ·driver loss, back-propagated to the net alone, and an Adam step of the net;</item>
/// <item>the class weights of the updated net, which the caller uses for the real step of the model.</item>
/// </list>
/// The model enters only through closures over its parameters, so any part of it (the head, or all of it)
/// can be meta-updated. The official code builds the per-sample weights with <c>torch.tensor(w)</c>, which
/// detaches them: there the meta loss sends no gradient to the net and only the driver loss trains it.
/// <see cref="DetachSampleWeights"/> reproduces that; the default keeps the paper's meta-gradient.
/// </summary>
public sealed class DifficultyNetMetaLearner : IDisposable
{
    private readonly ParameterStore _store;
    private readonly AdamW _optimizer;

    /// <param name="net">The Difficulty-Net to train (not disposed by this object).</param>
    /// <param name="lr">Adam learning rate of the net (official ImageNet-LT 1e-3, CIFAR 1e-5).</param>
    /// <param name="weightDecay">Adam weight decay of the net (official 1e-4).</param>
    /// <param name="lambda">λ of the driver loss (official 0.3).</param>
    /// <param name="detachSampleWeights">Reproduce the official code's detached sample weights.</param>
    public DifficultyNetMetaLearner(DifficultyNet net, double lr = 1e-3, double weightDecay = 1e-4, double lambda = 0.3, bool detachSampleWeights = false)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (!(lr > 0)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "must be > 0");
        if (!(lambda >= 0)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "must be ≥ 0");
        Net = net;
        Lambda = lambda;
        DetachSampleWeights = detachSampleWeights;
        _store = ParameterStore.Create(ParamGroups.Single(net.parameters().ToArray(), weightDecay));
        _optimizer = new AdamW(_store, lr, decoupled: false);
    }

    /// <summary>The net being trained.</summary>
    public DifficultyNet Net { get; }

    /// <summary>λ of the driver loss.</summary>
    public double Lambda { get; }

    /// <summary>True: per-sample weights carry no gradient, as in the official code.</summary>
    public bool DetachSampleWeights { get; }

    /// <summary>The net's class weights (mean 1) for accuracies [C], without gradients, in eval mode.</summary>
    public double[] ClassWeights(Tensor accuracies)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        bool training = Net.training;
        Net.eval();
        var w = DifficultyWeights.Normalize(Net.call(Input(accuracies)).squeeze(0));
        if (training) Net.train();
        return w.to(ScalarType.Float64).cpu().data<double>().ToArray();
    }

    /// <summary>One meta step (see the class summary).</summary>
    /// <param name="accuracies">Per-class validation accuracies [C] in [0, 1] (zeros before the first validation).</param>
    /// <param name="trainLabels">Labels [N] of the training batch.</param>
    /// <param name="parameters">The model parameters the virtual step updates (values are copied; the
    /// model and its gradients are left untouched).</param>
    /// <param name="trainLosses">Per-sample losses [N] of the training batch with the given parameter values.</param>
    /// <param name="metaLoss">The scalar loss of a meta batch with the given parameter values.</param>
    /// <param name="innerLr">α of the virtual step (official: the model's current lr).</param>
    public DifficultyMetaStep Step(Tensor accuracies, Tensor trainLabels, IReadOnlyList<Tensor> parameters,
        Func<IReadOnlyList<Tensor>, Tensor> trainLosses, Func<IReadOnlyList<Tensor>, Tensor> metaLoss, double innerLr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(trainLosses);
        ArgumentNullException.ThrowIfNull(metaLoss);
        using var scope = torch.NewDisposeScope();
        Net.train();
        var a = Input(accuracies);
        var difficulty = Net.call(a);
        var driver = DifficultyWeights.DriverLoss(difficulty, a);
        var classWeights = DifficultyWeights.Normalize(difficulty.squeeze(0));
        if (DetachSampleWeights) classWeights = classWeights.detach();

        // The official model_cpy: fresh leaves holding the model's values, so the meta backward leaves
        // the model's own gradients alone.
        var theta = parameters.Select(p => p.detach().clone().requires_grad_(true)).ToArray();
        var weighted = DifficultyWeights.Weighted(trainLosses(theta), classWeights, trainLabels);
        // create_graph keeps the path θ' → w → net; retain_graph because the net's part of the graph is
        // still needed by the meta backward (PyTorch implies it with create_graph).
        bool metaGradient = !DetachSampleWeights;
        var grads = torch.autograd.grad(new[] { weighted }, theta, retain_graph: metaGradient, create_graph: metaGradient);
        using Scalar lr = innerLr;
        var stepped = theta.Select((p, i) => p - grads[i] * lr).ToArray();
        var meta = metaLoss(stepped);

        _optimizer.ZeroGrad();
        using Scalar lambda = Lambda, one = 1;
        meta.add(driver * lambda, one).backward();
        _optimizer.Step();
        return new DifficultyMetaStep(meta.to(ScalarType.Float64).item<double>(), driver.to(ScalarType.Float64).item<double>(), ClassWeights(accuracies));
    }

    private Tensor Input(Tensor accuracies)
    {
        if (accuracies.dim() != 1 || accuracies.shape[0] != Net.NumClasses)
            throw new ArgumentException($"accuracies must be [{Net.NumClasses}], got [{string.Join(", ", accuracies.shape)}]", nameof(accuracies));
        var p = Net.parameters().First();
        return accuracies.to(p.dtype, p.device).unsqueeze(0);
    }

    /// <summary>Writes the net's Adam state (step, moments) to <paramref name="path"/>.</summary>
    public void SaveOptimizer(string path) => Livt.Optimization.OptimizerState.Save(_optimizer, path);

    /// <summary>Restores the Adam state <see cref="SaveOptimizer"/> wrote.</summary>
    /// <exception cref="LivtException">The file is missing or does not fit the net.</exception>
    public void LoadOptimizer(string path) => Livt.Optimization.OptimizerState.Load(_optimizer, path);

    public void Dispose()
    {
        _optimizer.Dispose();
        _store.Dispose();
    }
}
