using Livt.Augmentation;
using Livt.Engine;
using Livt.Interop;
using Livt.Losses;
using Livt.Losses.Contrastive;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// TSC (<c>main_moco_supcon_imba.py</c>, <c>--sep_t --tr 1</c>): the first view is the query of the online
/// model, the second the key of a momentum encoder; KCL on the query, its key and K same-class keys of a
/// FIFO queue, and from <see cref="TscOptions.KclFraction"/> of the epochs on also the pull towards the
/// class's target on the hypersphere (targets computed once and saved with the run; classes matched to
/// targets through running centroids). TSC trains no classifier (its second stage is a linear probe):
/// here the head is trained alongside, on detached pooled features of the query view with the
/// logit-adjusted CE (part <c>probe</c>), so the encoder sees only the contrastive gradient and the run
/// evaluates like the others.
/// </summary>
internal sealed class TscMethod : ContrastiveMethod
{
    /// <summary>The targets file in the run folder.</summary>
    public const string TargetsFile = "tsc_targets.safetensors";

    private readonly TscLoss _loss;
    private readonly TscOptions _options;
    private readonly ContrastiveVisionTransformer _key;
    private readonly MomentumEncoder _momentum;
    private readonly LabeledFeatureQueue _queue;
    private readonly TargetAssignment _assignment;
    private readonly Tensor _targets;
    private readonly double[] _logPrior;
    private readonly int _targetsFromEpoch;
    private int _epoch;

    public TscMethod(ContrastiveVisionTransformer model, ContrastiveVisionTransformer key, long[] counts, TscOptions options,
        Tensor targets, int epochs, int seed, Device device) : base(nameof(TscMethod), model)
    {
        _options = options;
        _loss = new TscLoss(counts.Length, options);
        _key = key;
        register_module("key", key);
        _momentum = new MomentumEncoder(model, key, options.EncoderMomentum);
        _queue = new LabeledFeatureQueue(options.QueueSize, options.ProjectionDim, device);
        RegisterState(_queue.State());
        _assignment = new TargetAssignment(counts.Length, options.ProjectionDim, Seeds.Derive(seed, 1, Seeds.Stream.ContrastiveState),
            options.CentroidMomentum, device);
        register_buffer("tsc_centroids", _assignment.Centroids);
        _targets = targets.to(device);
        register_buffer("tsc_targets", _targets);
        _logPrior = ClassStatistics.Prior(counts).Select(p => Math.Log(p + 1e-9)).ToArray();
        _targetsFromEpoch = (int)Math.Floor(options.KclFraction * epochs);
    }

    public override MultiViewTransform Views(int inputSize, float[] mean, float[] std) => ContrastivePipelines.Tsc(inputSize, mean, std);

    /// <summary>The switch from KCL to TSC: <c>main_moco_supcon_imba.py</c> builds a new SGD optimizer there
    /// ("loss change, so re-initialize optimizer") and runs a new cosine over the TSC epochs.</summary>
    public override int? RestartEpoch => _targetsFromEpoch > 0 ? _targetsFromEpoch : null;

    public override void BeginEpoch(int epoch)
    {
        _epoch = epoch;
        _queue.Load(RegisteredState);
    }

    public override LossTerms Loss(Tensor views, Tensor labels, StepContext step)
    {
        using var pooled = Model.Vit.ForwardFeatures(views.select(1, 0));
        var query = Model.Project(pooled);
        var key = MomentumKeys(_momentum, _key, views.select(1, 1));
        Tensor? targets = null, assigned = null;
        if (_epoch >= _targetsFromEpoch)
        {
            _assignment.Update(query, labels, Gather);
            (targets, assigned) = (_targets, _assignment.Assign(_targets));
        }
        var queueKeys = _queue.Keys;
        var positives = KclPositives.Sample(KclPositives.Candidates(labels, _queue.Labels), _options.NumPositives, step.Generator);
        var contrast = _loss.Forward(query, key, labels, queueKeys, positives, targets, assigned);
        _queue.Enqueue(key, labels, Gather);
        SyncState(_queue.State());

        using var detached = pooled.detach();
        var logits = Model.Classify(detached);
        // Explicit alphas held to the end: a temporary Scalar can be finalized while libtorch reads it.
        using var one = 1.0.ToScalar();
        var probe = torch.nn.functional.cross_entropy(logits.add(torch.tensor(_logPrior, dtype: logits.dtype, device: logits.device), one), labels);
        var parts = new Dictionary<string, double>(contrast.Parts) { ["probe"] = probe.item<float>() };
        return new LossTerms(contrast.Total.add(probe, one), parts);
    }

    /// <summary>The run's targets [C, D]: read from <see cref="TargetsFile"/> in <paramref name="folder"/>
    /// when a previous start of the run wrote it, else generated (<see cref="HypersphereTargets"/>) and saved there.</summary>
    public static Tensor Targets(RunFolder folder, int classes, int dim, TscOptions options, int seed)
    {
        var path = folder.File(TargetsFile);
        if (File.Exists(path))
        {
            using var file = SafeTensors.Read(path);
            if (!file.Tensors.TryGetValue("targets", out var saved) || !saved.shape.SequenceEqual(new long[] { classes, dim }))
                throw new LivtException($"{path}: holds no [{classes}, {dim}] 'targets' tensor; it belongs to another run (delete it to generate new targets)");
            return saved.clone();
        }
        var targets = HypersphereTargets.Generate(classes, dim, Seeds.Derive(seed, 2, Seeds.Stream.ContrastiveState),
            options.TargetIterations, options.TargetLearningRate, options.TargetTemperature);
        folder.Write(TargetsFile, p => SafeTensors.Write(p, new Dictionary<string, Tensor> { ["targets"] = targets }));
        return targets;
    }
}
