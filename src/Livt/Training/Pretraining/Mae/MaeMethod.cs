using Livt.Augmentation;
using Livt.Configuration;
using Livt.Engine;
using Livt.Models;
using Livt.Training.Pretraining.Shared;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Mae;

/// <summary>MAE (LiVT's MGP; <c>models_mae.py</c>, <c>main_pretrain.py</c>): the encoder sees the kept quarter of
/// the patches, the decoder restores the normalised pixels of the rest; RandomResizedCrop and flip only.</summary>
internal sealed class MaeMethod : IPretrainingMethod
{
    /// <summary>The method's name.</summary>
    public const string Id = "mae";

    public string Name => Id;
    public string Summary => "MAE (MGP): masked autoencoder, mask ratio --mask-ratio, norm-pix loss on the removed patches";

    public string Describe(TrainConfig config) => System.FormattableString.Invariant(
        $"MAE (MGP): masked autoencoder, mask ratio {config.MaskRatio:G3}, {(config.NormPixLoss ? "norm-pix" : "pixel")} loss on the removed patches");
    public IReadOnlyCollection<string> Settings => [];

    public void Check(TrainConfig config) { }

    public PretrainingViews Views(TrainConfig config, int inputSize, float[] mean, float[] std) =>
        PretrainingViews.One(TransformPipelines.MgpTrain(inputSize, mean, std, config.ScaleMin, config.Hflip));

    public IPretrainingObjective Create(PretrainingSetup setup) =>
        new Objective(StageModel.Autoencoder(setup.Config, setup.Model, setup.Precision, setup.Device, setup.Parallel.WorldSize), setup.Config.MaskRatio);

    private sealed class Objective(StageModel<MaskedAutoencoder> parts, double maskRatio) : PretrainingObjective<MaskedAutoencoder>(parts)
    {
        public override Tensor Loss(Tensor images, StepContext step) =>
            Compute.Forward(images, maskRatio, generator: step.Generator).Loss.to(ScalarType.Float32);

        public override PretrainedWeights Export() => new("mae", Master.state_dict());
    }
}
