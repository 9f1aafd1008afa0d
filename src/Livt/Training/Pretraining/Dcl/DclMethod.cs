using Livt.Augmentation;
using Livt.Configuration;
using Livt.Engine;
using Livt.Models;
using Livt.Training.Contrastive;
using Livt.Training.Pretraining.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Dcl;

/// <summary>
/// DCL and its weighted variant DCLW (raminnakhli/Decoupled-Contrastive-Learning, after Yeh et al.): SimCLR's two
/// views of every image through one encoder and its SimCLR projection head (Linear without bias, BatchNorm, ReLU,
/// Linear; 512 → 128 in that code), the decoupled loss in both directions, negatives from the whole job's batch.
/// The code trains with Adam (lr 1e-3, weight decay 1e-6 on every parameter); here AdamW at the run's settings
/// over every parameter.
/// </summary>
internal sealed class DclMethod(bool weighted) : IPretrainingMethod
{
    public string Name => weighted ? "dclw" : "dcl";

    public string Summary => weighted
        ? "DCLW: decoupled contrastive loss with the von Mises-Fisher weighting of the positives, in-batch negatives"
        : "DCL: decoupled contrastive loss (InfoNCE without the positive in the denominator), in-batch negatives";

    public IReadOnlyCollection<string> Settings => weighted
        ? [nameof(TrainConfig.SslTemperature), nameof(TrainConfig.SslProjDim), nameof(TrainConfig.SslHiddenDim), nameof(TrainConfig.DclSigma)]
        : [nameof(TrainConfig.SslTemperature), nameof(TrainConfig.SslProjDim), nameof(TrainConfig.SslHiddenDim)];

    /// <summary>τ of the code's reported results.</summary>
    public const double DefaultTemperature = 0.1;

    /// <summary>σ of DCLW.</summary>
    public const double DefaultSigma = 0.5;

    internal double Temperature(TrainConfig c) => c.SslTemperature ?? DefaultTemperature;
    internal double? Sigma(TrainConfig c) => weighted ? c.DclSigma ?? DefaultSigma : null;
    internal static ProjectionHeadConfig Head(TrainConfig c, int dim) =>
        new(dim, c.SslHiddenDim ?? 512, c.SslProjDim ?? 128, 1, ProjectionNorm.BatchNorm, ProjectionActivation.Relu) { HiddenBias = false };

    public void Check(TrainConfig config)
    {
        PretrainingMethods.RequireTemperature(Temperature(config));
        PretrainingMethods.Require(Sigma(config) is null or > 0, "--dcl-sigma", Sigma(config), "must be a positive number");
        PretrainingMethods.RequireWidths(config);
    }

    public PretrainingViews Views(TrainConfig config, int inputSize, float[] mean, float[] std) =>
        PretrainingViews.Several(ContrastivePipelines.SimClr(inputSize, mean, std, config.ScaleMin));

    public IPretrainingObjective Create(PretrainingSetup setup)
    {
        var processSum = ProcessSum.For(setup.Parallel);
        var head = Head(setup.Config, setup.Model.EmbedDim);
        var (model, twin) = PretrainingModule.Build(setup, generator => SiameseVit.Create(setup.Model, head, generator, processSum, freezePatchEmbed: false));
        return new Objective(setup, model, twin, Temperature(setup.Config), Sigma(setup.Config));
    }

    /// <summary>DCL's step on a built network.</summary>
    internal sealed class Objective : PretrainingObjective<ContrastiveVisionTransformer>
    {
        private readonly Func<Tensor, Tensor>? _gather;
        private readonly int _rank;
        private readonly double _temperature;
        private readonly double? _sigma;

        internal Objective(PretrainingSetup setup, ContrastiveVisionTransformer model, Func<ContrastiveVisionTransformer> create, double temperature,
            double? sigma)
            : base(setup, model, create, AllDecayed(model.named_parameters(), setup.Config.WeightDecay))
        {
            (_gather, _rank, _temperature, _sigma) = (ProcessGather.For(setup.Parallel), setup.Parallel.Rank, temperature, sigma);
        }

        public override Tensor Loss(Tensor images, StepContext step)
        {
            var network = Compute;
            // The code's model returns F.normalize of the head's output.
            var z1 = Embed(network, View(images, 0));
            var z2 = Embed(network, View(images, 1));
            using Scalar one = 1;
            return DclLoss.OneWay(z1, z2, _temperature, _sigma, _gather, _rank).add(DclLoss.OneWay(z2, z1, _temperature, _sigma, _gather, _rank), one);
        }

        public override PretrainedWeights Export() => new("encoder", SiameseVit.EncoderWeights(Master));

        private static Tensor Embed(ContrastiveVisionTransformer network, Tensor view)
        {
            using var projected = network.Projection(view);
            return nn.functional.normalize(projected, dim: 1);
        }
    }
}
