using System.Diagnostics;
using Livt.Augmentation;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Livt.Interop;
using Livt.Training.Setup;

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
    private readonly PrecisionChoice _precision;
    private readonly RunContext _context;

    /// <summary>Checks <paramref name="config"/> (before any data is loaded) and prepares the run.</summary>
    public PretrainRunner(TrainConfig config, ITrainingObserver? observer = null, RunContext? context = null)
    {
        TrainConfigRules.Check(config, "pretrain");
        _context = (context ?? new RunContext()) with { Observer = observer ?? context?.Observer ?? NullTrainingObserver.Instance };
        RunDir = RunSetup.RunDir(config, "pretrain");
        (_config, _precision) = RunSetup.ResolvePrecision(config, RunDir);
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

        using var parts = StageModel.Autoencoder(_config, modelConfig, _precision, device, _context.Parallel.WorldSize);
        var mae = parts.Model;
        var loader = RunSetup.TrainLoader(_config, data.Train, TrainTransform(_config, modelConfig.ImageSize, mean, std), _context);
        using var log = _context.Parallel.IsWriter ? new RunLog(RunDir) : null;
        observer.Message($"MGP on {data.Train.Count} images, {modelConfig.EmbedDim}-d ViT depth {modelConfig.Depth}, mask ratio {_config.MaskRatio}, lr {_config.ResolvedLr(_context.Parallel.WorldSize):g3}, {_precision.Reason}");

        var stage = new PretrainStage(mae, parts.Precision, _config.MaskRatio, device);
        double loss = new Trainer(_config.TrainerOptions(_context.Parallel.WorldSize), RunDir, stage, loader, parts.Optimizer, log, _context).Run();

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

    /// <summary>MGP's training augmentation of <paramref name="config"/> (also <c>livt bench pretrain</c>'s).</summary>
    internal static IImageTransform TrainTransform(TrainConfig config, int inputSize, float[] mean, float[] std) =>
        TransformPipelines.MgpTrain(inputSize, mean, std, config.ScaleMin, config.Hflip);
}
