using System.Diagnostics;
using Livt.Augmentation;
using Livt.Data;
using Livt.Models;
using Livt.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>
/// MGP: masked-autoencoder pretraining on a dataset's training images (labels unused), as MAE's
/// main_pretrain.py: AdamW over two weight-decay groups, per-iteration warm-up + cosine, RandomResizedCrop
/// and flip only. Leaves <c>model.safetensors</c> (kind "mae") whose encoder <see cref="FinetuneRunner"/> loads.
/// </summary>
public sealed class PretrainRunner : StageRunner
{
    public PretrainRunner(TrainConfig config, ITrainingObserver? observer = null) : base(config, observer) { }

    public override string Stage => "pretrain";

    public override RunResult Run()
    {
        var clock = Stopwatch.StartNew();
        WriteConfig();
        Observer.Message($"Loading {Config.Dataset}");
        var data = LoadData();
        var (mean, std) = Normalization.For(Config.Dataset, data.Train);
        var modelConfig = ModelConfig(data.Train.Channels, data.Train.NumClasses, dropPath: 0);

        torch.manual_seed(Config.Seed);
        using var mae = new MaskedAutoencoder(modelConfig);
        mae.to(Device);
        var groups = ParamGroups.WeightDecay(mae.named_parameters(), Config.WeightDecay);
        using var optimizer = OptimizerFactory.AdamW(groups, Config.ResolvedLr, Config.Beta1, Config.Beta2);

        var transform = TransformPipelines.MgpTrain(modelConfig.ImageSize, mean, std, Config.ScaleMin, Config.HorizontalFlip);
        var loader = TrainLoader(data.Train, transform);
        using var log = new RunLog(RunDir);
        Observer.Message($"MGP on {data.Train.Count} images, {modelConfig.EmbedDim}-d ViT depth {modelConfig.Depth}, mask ratio {Config.MaskRatio}, lr {Config.ResolvedLr:g3}");

        using var mixed = MixedPrecision.For(Config.Precision, mae, () => new MaskedAutoencoder(modelConfig), Device);
        var compute = (MaskedAutoencoder?)mixed?.Work ?? mae;
        var dtype = MixedPrecision.InputType(mixed);
        double loss = TrainEpochs(mae, loader, optimizer, groups,
            (batch, _) => compute.Forward(batch.Images.to(dtype, Device), Config.MaskRatio).Loss.to(ScalarType.Float32),
            onEpochStart: null, afterEpoch: null, log, mixed);

        var modelPath = Path.Combine(RunDir, ModelCheckpoint.FileName);
        ModelCheckpoint.Save(modelPath, mae, new ModelMetadata
        {
            Kind = "mae", Model = modelConfig, Mean = mean, Std = std,
            ClassNames = data.Train.ClassNames.ToArray(), ClassCounts = DatasetStats.ClassCounts(data.Train),
            Dataset = Config.Dataset, Imbalance = Config.Imbalance, Seed = Config.Seed,
        });
        Observer.Message($"MGP model written to {modelPath}");
        return new RunResult(Stage, RunDir, modelPath, Config.Epochs, clock.Elapsed.TotalSeconds, loss, null);
    }
}
