using Livt.Augmentation;
using Livt.Configuration;
using Livt.Engine;
using Livt.Training.Contrastive;
using Livt.Training.Pretraining.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.MocoV3;

/// <summary>MoCo v3 for ViTs, written from its paper (Chen, Xie and He, ICCV 2021): BYOL's two asymmetric views,
/// symmetric InfoNCE of the predictor's queries against the momentum encoder's keys, the momentum raised to 1 on
/// BYOL's cosine, keys gathered over the processes and the heads' BatchNorm synchronised (the paper's large
/// batches span many devices).</summary>
internal sealed class MocoV3Method : IPretrainingMethod
{
    /// <summary>The method's name.</summary>
    public const string Id = "moco-v3";

    public string Name => Id;
    public string Summary => "MoCo v3: momentum encoder, projector + predictor MLPs with BatchNorm, symmetric InfoNCE over in-batch keys";

    public IReadOnlyCollection<string> Settings =>
    [
        nameof(TrainConfig.SslTemperature), nameof(TrainConfig.SslMomentum), nameof(TrainConfig.SslProjDim),
        nameof(TrainConfig.SslHiddenDim), nameof(TrainConfig.FreezePatchEmbed),
    ];

    public void Check(TrainConfig config)
    {
        var o = MocoV3Options.From(config);
        PretrainingMethods.RequireTemperature(o.Temperature);
        PretrainingMethods.RequireMomentum(o.Momentum);
        PretrainingMethods.RequireWidths(config);
    }

    public PretrainingViews Views(TrainConfig config, int inputSize, float[] mean, float[] std) =>
        PretrainingViews.Several(ContrastivePipelines.Byol(inputSize, mean, std, config.ScaleMin));

    public IPretrainingObjective Create(PretrainingSetup setup)
    {
        var options = MocoV3Options.From(setup.Config);
        var processSum = ProcessSum.For(setup.Parallel);
        var (model, twin) = PretrainingModule.Build(setup, generator => new MocoV3Model(setup.Model, options, generator, processSum));
        return new Objective(setup, options, model, twin);
    }

    /// <summary>MoCo v3's step on a built model (its dtype and weights already final: the momentum encoder is
    /// paired with the base encoder here).</summary>
    internal sealed class Objective : PretrainingObjective<MocoV3Model>
    {
        private readonly PretrainingSetup _setup;
        private readonly MocoV3Options _options;
        private readonly TargetNetwork _momentum;
        private readonly Func<Tensor, Tensor>? _gather;

        internal Objective(PretrainingSetup setup, MocoV3Options options, MocoV3Model model, Func<MocoV3Model> create)
            : base(setup, model, create, AllDecayed(model.named_parameters(), setup.Config.WeightDecay))
        {
            (_setup, _options) = (setup, options);
            _momentum = new TargetNetwork(Master.BaseEncoder, Master.MomentumEncoder, Work?.MomentumEncoder);
            _gather = ProcessGather.For(setup.Parallel);
        }

        public override Tensor Loss(Tensor images, StepContext step)
        {
            var model = Compute;
            var (x1, x2) = (View(images, 0), View(images, 1));
            var q1 = model.Query(x1);
            var q2 = model.Query(x2);
            // Once per optimizer step, before the keys, at the step's point of the cosine.
            if (step.Step % _setup.Config.AccumIter == 0)
                _momentum.Update(CosineMomentum.At(_options.Momentum, _setup.Progress(step)));
            var k1 = model.Key(x1);
            var k2 = model.Key(x2);
            int rank = _setup.Parallel.Rank;
            using Scalar one = 1;
            return MocoV3Loss.Contrastive(q1, k2, _options.Temperature, _gather, rank)
                .add(MocoV3Loss.Contrastive(q2, k1, _options.Temperature, _gather, rank), one);
        }

        public override PretrainedWeights Export() => new("encoder", SiameseVit.EncoderWeights(Master.BaseEncoder));
    }
}
