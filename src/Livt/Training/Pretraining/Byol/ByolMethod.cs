using Livt.Augmentation;
using Livt.Configuration;
using Livt.Engine;
using Livt.Optimization;
using Livt.Training.Contrastive;
using Livt.Training.Pretraining.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Byol;

/// <summary>
/// BYOL (deepmind-research/byol; PyTorch port lucidrains/byol-pytorch): the online network's prediction of one
/// view regresses the target network's projection of the other, symmetrically, with no negatives; the target
/// follows the online weights by EMA after every optimizer step, τ raised to 1 on a cosine over the run's steps;
/// BatchNorm synchronised over the processes (the official cross-replica BatchNorm).
/// </summary>
/// <remarks>The official step moves the target right after the optimizer step; here the move for optimizer
/// step k happens at the start of step k + 1, before anything reads the target — the same weights at every use,
/// with no hook in the trainer. As in the PyTorch port the target starts as a copy of the online network (the
/// official code draws it separately, which a short run cannot wash out).</remarks>
internal sealed class ByolMethod : IPretrainingMethod
{
    /// <summary>The method's name.</summary>
    public const string Id = "byol";

    public string Name => Id;
    public string Summary => "BYOL: online predictor regresses the EMA target's projection (normalised MSE, symmetric), no negatives";

    public IReadOnlyCollection<string> Settings =>
        [nameof(TrainConfig.SslMomentum), nameof(TrainConfig.SslProjDim), nameof(TrainConfig.SslHiddenDim)];

    public void Check(TrainConfig config)
    {
        PretrainingMethods.RequireMomentum(ByolOptions.From(config).Momentum);
        PretrainingMethods.RequireWidths(config);
    }

    public PretrainingViews Views(TrainConfig config, int inputSize, float[] mean, float[] std) =>
        PretrainingViews.Several(ContrastivePipelines.Byol(inputSize, mean, std, config.ScaleMin));

    public IPretrainingObjective Create(PretrainingSetup setup)
    {
        var options = ByolOptions.From(setup.Config);
        var processSum = ProcessSum.For(setup.Parallel);
        var (model, twin) = PretrainingModule.Build(setup, generator => new ByolModel(setup.Model, options, generator, processSum));
        return new Objective(setup, options, model, twin);
    }

    /// <summary>BYOL's step on a built model (its dtype and weights already final: the target is paired with
    /// the online network here).</summary>
    internal sealed class Objective : PretrainingObjective<ByolModel>
    {
        private readonly PretrainingSetup _setup;
        private readonly ByolOptions _options;
        private readonly TargetNetwork _target;

        internal Objective(PretrainingSetup setup, ByolOptions options, ByolModel model, Func<ByolModel> create)
            : base(setup, model, create, WeightDecayGroups(model, setup.Config.WeightDecay))
        {
            (_setup, _options) = (setup, options);
            _target = new TargetNetwork(Master.Online, Master.Target, Work?.Target);
        }

        // The official LARS leaves biases and BatchNorm parameters undecayed (exclude_bias_and_norm).
        private static IReadOnlyList<ParamGroupSpec> WeightDecayGroups(ByolModel model, double weightDecay) =>
            ParamGroups.WeightDecay(model.named_parameters(), weightDecay);

        public override Tensor Loss(Tensor images, StepContext step)
        {
            FollowOnline(step);
            var model = Compute;
            var (x1, x2) = (View(images, 0), View(images, 1));
            var p1 = model.Prediction(x1);
            var p2 = model.Prediction(x2);
            var z1 = model.TargetProjection(x1);
            var z2 = model.TargetProjection(x2);
            return ByolLoss.Symmetric(p1, z2, p2, z1);
        }

        public override PretrainedWeights Export() => new("encoder", SiameseVit.EncoderWeights(Master.Online));

        /// <summary>The EMA moves the target owes the optimizer steps taken so far, each with its step's τ.</summary>
        private void FollowOnline(StepContext step)
        {
            int accum = _setup.Config.AccumIter;
            long taken = step.Epoch * (long)(_setup.StepsPerEpoch / accum) + step.Step / accum;
            var followed = Master.TargetSteps;
            // Held for the loop: a temporary Scalar can be finalized while libtorch reads it.
            using var one = 1.ToScalar();
            for (long k = followed.item<long>(); k < taken; k++)
            {
                _target.Update(CosineMomentum.At(_options.Momentum, (double)k / _setup.OptimizerSteps));
                followed.add_(one, one);
            }
        }
    }
}
