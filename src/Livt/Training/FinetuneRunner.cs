using System.Diagnostics;
using Livt.Augmentation;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Inference;
using Livt.Interop;
using Livt.Losses;
using Livt.Methods;
using Livt.Models;
using Livt.Runtime;
using Livt.Training.Contrastive;
using Livt.Training.Distillation;
using Livt.Training.Setup;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>
/// <c>livt finetune</c> — BFT: a ViT classifier trained with a long-tail loss (Bal-BCE by default), from
/// an MGP encoder (<see cref="TrainConfig.Init"/>, at any input size: the position embedding is
/// resampled) or from scratch, as LiVT's main_finetune.py: layer-wise lr decay, AdamW, per-iteration
/// warm-up + cosine, the DeiT augmentation recipe, Mixup/CutMix with label smoothing folded into soft
/// targets; <c>--loss sade</c> trains SADE's three experts (<see cref="MultiExpertVisionTransformer"/>, saved
/// as kind "vit-experts", evaluated by their mean logits); a supervised contrastive <c>--loss</c> hands the
/// run to <see cref="ContrastiveRunner"/>. Ends
/// by evaluating the final weights on the test split and writing <c>report.json</c>, <c>report.md</c> and plots.
/// </summary>
public sealed class FinetuneRunner
{
    private readonly TrainConfig _config;
    private readonly PrecisionChoice _precision;
    private readonly RunContext _context;

    /// <summary>Checks <paramref name="config"/> (before any data is loaded) and prepares the run.</summary>
    public FinetuneRunner(TrainConfig config, ITrainingObserver? observer = null, RunContext? context = null)
    {
        TrainConfigRules.Check(config, "finetune");
        if (config.Init is not null) ModelCheckpoint.Resolve(config.Init);
        _context = (context ?? new RunContext()) with { Observer = observer ?? context?.Observer ?? NullTrainingObserver.Instance };
        RunDir = RunSetup.RunDir(config, "finetune");
        // The contrastive stages and the CNNs have no bf16 path (TrainConfigRules refuses an explicit bf16), so auto is fp32.
        string? fp32Only = LongTailMethods.Loss(config.Loss).Kind == MethodKind.Contrastive ? "fp32: the contrastive methods train in fp32 only"
            : ModelPresets.IsCnn(config.Model) ? "fp32: the CNNs train in fp32 only (the bf16 working copy would not carry BatchNorm's running statistics)"
            : null;
        (_config, _precision) = RunSetup.ResolvePrecision(fp32Only is null ? config : config with { Precision = "fp32" }, RunDir);
        if (fp32Only is not null)
            (_config, _precision) = (_config with { PrecisionReason = fp32Only }, _precision with { Reason = fp32Only });
    }

    /// <summary>The run folder.</summary>
    public string RunDir { get; }

    /// <summary>Runs the stage to the end (resuming from the run folder's checkpoint if there is one).</summary>
    public RunResult Run()
    {
        if (LongTailMethods.Loss(_config.Loss).Kind == MethodKind.Contrastive) return new ContrastiveRunner(_config, _context, RunDir).Run();
        if (_config.DistillFrom is not null) return new DistillationRunner(this, _config, _precision, _context, RunDir).Run();
        var clock = Stopwatch.StartNew();
        using var folder = new RunFolder(RunDir, _context.Parallel);
        var (device, data, counts) = Begin(folder);
        var observer = _context.Observer;
        var train = data.Train;
        var val = data.Validation;

        using var init = EncoderInit.Open(_config.Init);
        var (mean, std) = RunSetup.MeanStd(_config, train, init.Normalization);

        var modelConfig = RunSetup.ClassifierConfig(_config, train.Channels, train.NumClasses, _config.DropPath);
        // SADE's experts classify with NormedLinear (use_norm in every official config).
        if (StageModel.IsExpertLoss(_config.Loss) && _config.SadeCosineScale > 0 && modelConfig is VitConfig vit)
            modelConfig = vit with { CosineScale = _config.SadeCosineScale };
        using var parts = StageModel.Classifier(_config, modelConfig, _precision, device, _context.Parallel.WorldSize,
            init.Path is null ? null : m => init.LoadInto(m, observer));
        var model = parts.Model;
        double lr = _config.ResolvedLr(_context.Parallel.WorldSize);
        var loss = StageModel.Loss(_config, counts);
        var trainTransform = TrainTransform(_config, modelConfig.ImageSize, mean, std);
        var loader = RunSetup.TrainLoader(_config, train, trainTransform, _context);
        using var foreground = _config.Cmo ? new AlignedBatches(RunSetup.CmoLoader(_config, train, trainTransform, _context)) : null;
        var evalTransform = TransformPipelines.Eval(modelConfig.ImageSize, mean, std, _config.CropPct);
        var experts = model as MultiExpertVisionTransformer;
        var metadata = Metadata(model, modelConfig, mean, std, train, counts, experts);

        Announce(train, val, experts, lr, init);
        using var difficulty = _config.DifficultyNet ? DifficultyNet(val, evalTransform, counts, parts, device) : null;
        FinetuneStage stage = null!;
        stage = new FinetuneStage(model, parts.Precision, loss, _config, device, train.NumClasses,
            epoch => ValidateEpoch(epoch, model, val, evalTransform, counts, metadata, device, stage, difficulty, folder), foreground, difficulty);
        double finalLoss = new Trainer(_config.TrainerOptions(_context.Parallel.WorldSize), folder, stage, loader, parts.Optimizer, _context).Run();

        var modelPath = folder.File(ModelCheckpoint.FileName);
        folder.Write(ModelCheckpoint.FileName, path => ModelCheckpoint.Save(path, model, metadata));
        observer.Message($"Evaluating on the {data.Test.Count}-image test split");
        var result = Evaluator.Evaluate(model, data.Test, evalTransform, counts, device, _config.BatchSize, _config.Workers, train.ClassNames,
            precision: _precision, group: _context.Parallel.Group, logitScale: metadata.LogitScale);
        string[] notes = [.. new[]
        {
            metadata.DescribeLogitScale(),
            difficulty is null ? null : $"Difficulty-Net class weights of the last step (mean 1): [{Values(difficulty.Weights)}] " +
                $"(from validation per-class accuracies [{Values(difficulty.Accuracies)}]; every epoch's in log.jsonl)",
        }.OfType<string>()];
        string? report = folder.Write(dir => Reports.Write(dir, result, new ReportInfo("finetune", _config.Loss, _config.Model, data.Name,
            _config.Epochs, clock.Elapsed.TotalSeconds, _config.Imbalance, _config.Seed, null, data.CountsNote, Precision: _precision,
            Processes: _context.Parallel.WorldSize, Backend: _context.Parallel.Group.Backend, Notes: notes), folder.Log?.Path));
        return new RunResult("finetune", RunDir, modelPath, _config.Epochs, clock.Elapsed.TotalSeconds, finalLoss, report);
    }

    /// <summary>The saved model's metadata; with iif, the logit scale its head carries.</summary>
    private ModelMetadata Metadata(ClassifierModel model, ArchitectureConfig modelConfig, float[] mean, float[] std, IImageDataset train, long[] counts,
        MultiExpertVisionTransformer? experts)
    {
        var metadata = new ModelMetadata
        {
            Kind = model.Kind, Model = modelConfig, Mean = mean, Std = std, ClassNames = train.ClassNames.ToArray(),
            ClassCounts = counts, Dataset = _config.Dataset, Imbalance = _config.Imbalance, Seed = _config.Seed, Loss = _config.Loss,
            Experts = experts?.NumExperts ?? 0, ExpertDepth = experts?.ExpertDepth ?? 0, ExpertTau = _config.SadeTau,
        };
        if (LongTailMethods.Find(_config.Loss)?.Name != "iif") return metadata;
        return metadata with
        {
            LogitScale = InverseImageFrequency.Weights(counts, _config.IifVariant, _config.IifNorm),
            LogitScaleMethod = $"iif {_config.IifVariant.Trim().ToLowerInvariant()}{(_config.IifNorm > 0 ? $", {_config.IifNorm}-norm" : "")}",
        };
    }

    /// <summary>The run's opening lines: data, loss, sampler, learning rate, initialisation, precision; CMO's window.</summary>
    private void Announce(IImageDataset train, IImageDataset? val, MultiExpertVisionTransformer? experts, double lr, EncoderInit init)
    {
        var observer = _context.Observer;
        string expertsNote = experts is null ? ""
            : $" ({experts.NumExperts} experts of {experts.ExpertDepth} blocks each, the first {experts.Config.Depth - experts.ExpertDepth} shared)";
        observer.Message($"BFT on {train.Count} images ({train.NumClasses} classes{(val is not null ? $", {val.Count} for validation" : "")}), " +
                         $"loss {_config.Loss}{expertsNote}, sampler {KebabEnumConverter.Name(_config.Sampler)}, lr {lr:g3}{DescribeSam(_config)}" +
                         $"{init.Describe()}, {_precision.Reason}");

        if (_config.Cmo)
            observer.Message($"CMO: with probability {_config.CmoProb:g3} a batch of epochs " +
                             $"{_config.CmoStartEpoch + 2}–{_config.Epochs - _config.CmoEndEpochs} " +
                             $"(of {_config.Epochs}) gets a CutMix box (area ~ Beta({_config.CmoBeta:g3}, {_config.CmoBeta:g3})) of a minority-weighted " +
                             "batch, labels mixed by area");
    }

    /// <summary>What every fine-tuning run does first: the device and seeds set up, config.json written, the
    /// data loaded and its training class counts.</summary>
    internal (Device Device, TrainingData Data, long[] Counts) Begin(RunFolder folder)
    {
        var device = RunSetup.Initialize(_config);
        RunSetup.WriteConfig(_config, folder);
        _context.Observer.Message($"Loading {_config.Dataset}");
        var data = RunSetup.LoadData(_config);
        return (device, data, DatasetStats.ClassCounts(data.Train));
    }

    /// <summary>", SAM rho …" for a run's opening message with <c>--sam-rho</c>; empty without.</summary>
    internal static string DescribeSam(TrainConfig config) =>
        config.SamRho is { } rho ? $", SAM rho {rho:g3} (two forward and backward passes per step)" : "";

    /// <summary>BFT's training augmentation of <paramref name="config"/> (also <c>livt bench train</c>'s).</summary>
    internal static IImageTransform TrainTransform(TrainConfig config, int inputSize, float[] mean, float[] std) =>
        TransformPipelines.BftTrain(new AugmentationOptions
        {
            InputSize = inputSize, ScaleMin = config.ScaleMin,
            RandAugment = string.IsNullOrWhiteSpace(config.RandAugment) ? null : config.RandAugment,
            ReProb = config.Reprob, HorizontalFlip = config.Hflip,
        }, mean, std);

    private static string Values(IEnumerable<double> v) =>
        string.Join(", ", v.Select(x => x.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Difficulty-Net's meta-learner over the validation split (its meta batches, in a seeded order).</summary>
    private DifficultyNetTraining DifficultyNet(IImageDataset? val, IImageTransform evalTransform, long[] counts, StageModel<ClassifierModel> parts,
        Device device)
    {
        if (val is null)
            throw new LivtException($"--difficulty-net: {_config.Dataset} has no validation split here: give --val-fraction (e.g. 0.1)");
        if (_context.Parallel.WorldSize > 1)
            throw new LivtException("--difficulty-net: runs in one process only (each process would train its own net); drop mpirun/srun");
        var meta = new DataLoader(val, evalTransform, new LoaderOptions
        {
            BatchSize = _config.BatchSize, DropLast = false, Workers = _config.Workers, SkipCorrupt = _config.SkipCorrupt,
            Seed = Seeds.DeriveInt(_config.Seed, 0, Seeds.Stream.MetaBatches),
        });
        _context.Observer.Message($"Difficulty-Net: class weights from {val.Count} validation images' per-class accuracy (updated every epoch), " +
                                  $"meta batches of {_config.BatchSize} from them, net lr {_config.DifficultyLr:g3}, driver weight " +
                                      $"{_config.DifficultyLambda:g3}, " +
                                  $"virtual step over the {(_config.DifficultyMeta == DifficultyMetaScope.Model ? "whole model" : "head alone")}");
        return new DifficultyNetTraining(counts.Length, counts, LongTailMethods.Find(_config.Loss)?.Name == "bal-ce", _config.BalTau, new AlignedBatches(meta),
            () => parts.Optimizer.Lr * parts.Optimizer.Store.Groups.Max(g => g.LrScale), _config.DifficultyLr, _config.DifficultyLambda, device,
            _config.DifficultyMeta, _config.Seed);
    }

    internal (double? Top1, double? Balanced) ValidateEpoch(int epoch, ClassifierModel model, IImageDataset? val,
        IImageTransform evalTransform, long[] counts, ModelMetadata metadata, Device device, ITrainingStage stage,
        DifficultyNetTraining? difficulty, RunFolder folder)
    {
        bool last = epoch + 1 == _config.Epochs;
        if (val is null || !(_config.SaveBest || (_config.EvalEvery > 0 && (epoch + 1) % _config.EvalEvery == 0) || last || difficulty is not null))
            return (null, null);
        var r = Evaluator.Evaluate(model, val, evalTransform, counts, device, _config.BatchSize, _config.Workers, val.ClassNames,
            precision: _precision, group: _context.Parallel.Group, logitScale: metadata.LogitScale);
        if (difficulty is not null)
        {
            // The weights the epoch ended with, then the accuracies the next epoch's net reads.
            folder.Log?.Write("difficulty", "finetune", epoch + 1, difficulty.Weights.Select((w, c) => ($"w{c}", (double?)w))
                .Concat(r.PerClass.Select((a, c) => ($"val_acc{c}", (double?)(double.IsFinite(a) ? a : null)))).ToDictionary(kv => kv.Item1, kv => kv.Item2));
            _context.Observer.Message($"Epoch {epoch + 1}: Difficulty-Net class weights [{Values(difficulty.Weights)}]");
            difficulty.Observe(r.PerClass);
        }
        double balanced = r.PerClass.Where(double.IsFinite).Average();
        if (_config.SaveBest && (stage.BestMetric is null || balanced > stage.BestMetric))
        {
            stage.BestMetric = balanced;
            folder.Write("best.safetensors", path => ModelCheckpoint.Save(path, model, metadata));
            _context.Observer.Message($"Epoch {epoch + 1}: best validation balanced accuracy so far ({balanced:F2} %), saved best.safetensors");
        }
        return (r.Top1, balanced);
    }
}
