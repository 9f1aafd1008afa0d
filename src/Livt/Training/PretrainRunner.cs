using System.Diagnostics;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Interop;
using Livt.Runtime;
using Livt.Training.Pretraining;
using Livt.Training.Setup;

namespace Livt.Training;

/// <summary>
/// <c>livt pretrain</c>: self-supervised pretraining on a dataset's training images (labels unused) with the
/// run's <c>--method</c> (<see cref="PretrainingMethods"/>): MAE, LiVT's MGP, by default, as MAE's
/// main_pretrain.py (AdamW over two weight-decay groups, per-iteration warm-up + cosine, RandomResizedCrop and
/// flip only), or MoCo v3, BYOL, DCL, DCLW, MimCo on the same encoder. Leaves <c>model.safetensors</c> (kind
/// "mae" or "encoder", the method in its metadata) whose encoder <see cref="FinetuneRunner"/> loads.
/// </summary>
public sealed class PretrainRunner
{
    private readonly TrainConfig _config;
    private readonly PrecisionChoice _precision;
    private readonly RunContext _context;
    private readonly IPretrainingMethod _method;

    /// <summary>Checks <paramref name="config"/> (before any data is loaded) and prepares the run.</summary>
    public PretrainRunner(TrainConfig config, ITrainingObserver? observer = null, RunContext? context = null)
    {
        TrainConfigRules.Check(config, "pretrain");
        _method = PretrainingMethods.Check(config);
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
        using var folder = new RunFolder(RunDir, _context.Parallel);
        RunSetup.WriteConfig(_config, folder);
        var observer = _context.Observer;
        observer.Message($"Loading {_config.Dataset}");
        var data = RunSetup.LoadData(_config);
        var (mean, std) = RunSetup.MeanStd(_config, data.Train, _method.Normalization(_config));
        var modelConfig = RunSetup.ModelConfig(_config, data.Train.Channels, data.Train.NumClasses, dropPath: 0);

        var views = _method.Views(_config, modelConfig.ImageSize, mean, std);
        var loader = views.Loader(_config, data.Train, _context);
        int stepsPerEpoch = Math.Min(loader.BatchesPerEpoch, _config.StepsPerEpoch ?? int.MaxValue);
        using var objective = _method.Create(new PretrainingSetup(_config, modelConfig, _precision, device, _context.Parallel, stepsPerEpoch, observer));
        observer.Message($"Pretraining ({_method.Describe(_config)}) on {data.Train.Count} images, {views.Count} view(s) per image, " +
                         $"{modelConfig.EmbedDim}-d ViT depth {modelConfig.Depth}, lr {_config.ResolvedLr(_context.Parallel.WorldSize):g3}, " +
                             $"{_precision.Reason}");

        var stage = new PretrainStage(objective, device);
        double loss = new Trainer(_config.TrainerOptions(_context.Parallel.WorldSize), folder, stage, loader, objective.Optimizer, _context).Run();

        var modelPath = folder.File(ModelCheckpoint.FileName);
        folder.Write(ModelCheckpoint.FileName, path =>
        {
            var weights = objective.Export();
            SafeTensors.Write(path, weights.Weights, new ModelMetadata
            {
                Kind = weights.Kind, Pretraining = _method.Name, Model = modelConfig, Mean = mean, Std = std,
                ClassNames = data.Train.ClassNames.ToArray(), ClassCounts = DatasetStats.ClassCounts(data.Train),
                Dataset = _config.Dataset, Imbalance = _config.Imbalance, Seed = _config.Seed,
            }.ToSafeTensorsMetadata());
        });
        // The next stage (quickstart's fine-tuning) reads this file on every process.
        _context.Parallel.Group.Barrier();
        observer.Message($"{_method.Name} model written to {modelPath}");
        return new RunResult("pretrain", RunDir, modelPath, _config.Epochs, clock.Elapsed.TotalSeconds, loss, null);
    }
}
