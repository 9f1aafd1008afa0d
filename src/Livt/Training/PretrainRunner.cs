using System.Diagnostics;
using Livt.Augmentation;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Engine.Optimization;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;
using Livt.Interop;

namespace Livt.Training;

/// <summary>
/// <c>livt pretrain</c> — MGP: masked-autoencoder pretraining on a dataset's training images (labels
/// unused), as MAE's main_pretrain.py: AdamW over two weight-decay groups, per-iteration warm-up +
/// cosine, RandomResizedCrop and flip only. Leaves <c>model.safetensors</c> (kind "mae") whose encoder
/// <see cref="FinetuneRunner"/> loads.
/// </summary>
public sealed class PretrainRunner
{
    private readonly TrainConfig _config;
    private readonly RunContext _context;

    /// <summary>Checks <paramref name="config"/> (before any data is loaded) and prepares the run.</summary>
    public PretrainRunner(TrainConfig config, ITrainingObserver? observer = null, RunContext? context = null)
    {
        TrainConfigRules.Check(config, "pretrain");
        _config = config;
        _context = (context ?? new RunContext()) with { Observer = observer ?? context?.Observer ?? NullTrainingObserver.Instance };
        RunDir = RunSetup.RunDir(config, "pretrain");
    }

    /// <summary>The run folder.</summary>
    public string RunDir { get; }

    /// <summary>Runs the stage to the end (resuming from the run folder's checkpoint if there is one).</summary>
    public RunResult Run()
    {
        var clock = Stopwatch.StartNew();
        var device = RunSetup.Initialize(_config);
        RunSetup.WriteConfig(_config, RunDir, _context);
        var observer = _context.Observer;
        observer.Message($"Loading {_config.Dataset}");
        var data = RunSetup.LoadData(_config);
        var (mean, std) = RunSetup.MeanStd(_config, data.Train);
        var modelConfig = RunSetup.ModelConfig(_config, data.Train.Channels, data.Train.NumClasses, dropPath: 0);

        using var init = new Generator((ulong)Seeds.Derive(_config.Seed, 0, Seeds.Stream.Init));
        using var mae = new MaskedAutoencoder(modelConfig, init);
        mae.to(device);
        var groups = ParamGroups.WeightDecay(mae.named_parameters(), _config.WeightDecay);
        using var optimizer = OptimizerFactory.AdamW(groups, _config.ResolvedLr(_context.Parallel.WorldSize), _config.Beta1, _config.Beta2);

        var transform = TransformPipelines.MgpTrain(modelConfig.ImageSize, mean, std, _config.ScaleMin, _config.Hflip);
        var loader = RunSetup.TrainLoader(_config, data.Train, transform, _context);
        using var log = _context.Parallel.IsWriter ? new RunLog(RunDir) : null;
        observer.Message($"MGP on {data.Train.Count} images, {modelConfig.EmbedDim}-d ViT depth {modelConfig.Depth}, mask ratio {_config.MaskRatio}, lr {_config.ResolvedLr(_context.Parallel.WorldSize):g3}");

        using var mixed = MixedPrecision.For(_config.Precision, mae, () => new MaskedAutoencoder(modelConfig), device);
        var stage = new PretrainStage(mae, mixed, _config.MaskRatio, device);
        double loss = new Trainer(_config, RunDir, stage, loader, optimizer, groups, log, _context).Run();

        var modelPath = Path.Combine(RunDir, ModelCheckpoint.FileName);
        if (_context.Parallel.IsWriter)
            ModelCheckpoint.Save(modelPath, mae, new ModelMetadata
            {
                Kind = "mae", Model = modelConfig, Mean = mean, Std = std,
                ClassNames = data.Train.ClassNames.ToArray(), ClassCounts = DatasetStats.ClassCounts(data.Train),
                Dataset = _config.Dataset, Imbalance = _config.Imbalance, Seed = _config.Seed,
            });
        // The next stage (quickstart's fine-tuning) reads this file on every process.
        _context.Parallel.Group.Barrier();
        observer.Message($"MGP model written to {modelPath}");
        return new RunResult("pretrain", RunDir, modelPath, _config.Epochs, clock.Elapsed.TotalSeconds, loss, null);
    }
}
