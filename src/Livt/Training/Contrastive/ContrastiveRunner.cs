using System.Diagnostics;
using Livt.Augmentation;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Inference;
using Livt.Interop;
using Livt.Methods;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using Livt.Training.Setup;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// <c>livt finetune --loss gpaco|paco|bcl|tsc|rescom</c>: fine-tuning with a supervised contrastive method, from
/// an MGP encoder or from scratch, with the same optimiser, schedule, checkpoints and evaluation as BFT
/// (<see cref="FinetuneRunner"/> hands the run over). The loader carries the method's views instead of
/// the BFT augmentation. Leaves <c>model.safetensors</c>, an ordinary ViT classifier (timm names) that
/// <c>livt evaluate</c> and <c>predict</c> load, <c>contrastive.safetensors</c> with the whole contrastive
/// model (projection heads included) and, for TSC, <c>tsc_targets.safetensors</c>.
/// </summary>
internal sealed class ContrastiveRunner(TrainConfig config, RunContext context, string runDir)
{
    /// <summary>The whole contrastive model (ViT and heads) in the run folder.</summary>
    public const string ModelFile = "contrastive.safetensors";

    public RunResult Run()
    {
        // Every step gathers every rank's keys: a rank whose batch lost unreadable images would gather
        // fewer rows than the others (or, with none left, skip the step's collectives).
        if (context.Parallel.WorldSize > 1 && config.SkipCorrupt)
            throw new LivtException($"--skip-corrupt: a contrastive run (--loss {config.Loss}) on {context.Parallel.WorldSize} processes gathers every " +
                "rank's full batch each step; remove the unreadable images or run in one process");
        var clock = Stopwatch.StartNew();
        var device = RunSetup.Initialize(config);
        using var folder = new RunFolder(runDir, context.Parallel);
        RunSetup.WriteConfig(config, folder);
        var observer = context.Observer;
        string loss = LongTailMethods.Loss(config.Loss).Name;
        observer.Message($"Loading {config.Dataset}");
        var data = RunSetup.LoadData(config);
        var train = data.Train;
        var val = data.Validation;
        var counts = DatasetStats.ClassCounts(train);

        using var init = EncoderInit.Open(config.Init);
        var (mean, std) = RunSetup.MeanStd(config, train, init.Normalization);

        var modelConfig = RunSetup.ModelConfig(config, train.Channels, train.NumClasses, config.DropPath);
        using var initGenerator = new Generator((ulong)Seeds.Derive(config.Seed, 0, Seeds.Stream.Init));
        using var method = ContrastiveMethod.Create(loss, config, modelConfig, counts, device, initGenerator,
            vit => init.LoadInto(vit, observer),
            (classes, dim) => TscMethod.Targets(folder, classes, dim, TrainConfigRules.TscOptions(config), config.Seed));
        method.UseProcesses(context.Parallel);

        var groups = ParamGroups.LayerDecay(method.Model.named_parameters(), modelConfig.Depth, config.WeightDecay, config.LayerDecay,
            ContrastiveVisionTransformer.EncoderName);
        double lr = config.ResolvedLr(context.Parallel.WorldSize);
        using var store = ParameterStore.Create(groups);
        using var optimizer = config.CreateOptimizer(store, lr);
        var views = method.Views(modelConfig.ImageSize, mean, std);
        var loader = RunSetup.TrainLoader(config, train, views, context);
        var evalTransform = TransformPipelines.Eval(modelConfig.ImageSize, mean, std, config.CropPct);
        var metadata = Metadata(method, mean, std, train, counts, loss);

        observer.Message($"Contrastive fine-tuning ({loss}, {views.Count} views per image) on {train.Count} images ({train.NumClasses} classes" +
                         $"{(val is not null ? $", {val.Count} for validation" : "")}), sampler {KebabEnumConverter.Name(config.Sampler)}, lr {lr:g3}" +
                         $"{init.Describe()}; the method's views replace the BFT augmentation (--aa, --reprob, --mixup, --cutmix, --smoothing, --scale-min)");

        ContrastiveStage stage = null!;
        stage = new ContrastiveStage(method, device, observer,
            epoch => ValidateEpoch(epoch, method, val, evalTransform, counts, metadata, device, stage, folder));
        double finalLoss = new Trainer(config.TrainerOptions(context.Parallel.WorldSize), folder, stage, loader, optimizer, context).Run();

        var modelPath = folder.File(ModelCheckpoint.FileName);
        using var classifier = method.Classifier(device);
        var result = SaveAndTest(method, classifier, folder, metadata, data, evalTransform, counts, device);
        var info = new ReportInfo("finetune", loss, config.Model, data.Name, config.Epochs, clock.Elapsed.TotalSeconds, config.Imbalance, config.Seed,
            null, data.CountsNote, Precision: new PrecisionChoice(config.Precision, "fp32", config.PrecisionReason ?? "fp32"),
            Processes: context.Parallel.WorldSize, Backend: context.Parallel.Group.Backend);
        string? report = folder.Write(dir => Reports.Write(dir, result, info, folder.Log?.Path));
        return new RunResult("finetune", runDir, modelPath, config.Epochs, clock.Elapsed.TotalSeconds, finalLoss, report);
    }

    /// <summary>The saved classifier's metadata: the ViT with the method's linear head.</summary>
    private ModelMetadata Metadata(ContrastiveMethod method, float[] mean, float[] std, IImageDataset train, long[] counts, string loss) => new()
    {
        Kind = "vit", Model = method.Model.Vit.Config, Mean = mean, Std = std, ClassNames = train.ClassNames.ToArray(),
        ClassCounts = counts, Dataset = config.Dataset, Imbalance = config.Imbalance, Seed = config.Seed, Loss = loss,
    };

    /// <summary>Saves the classifier and the whole contrastive model (the first process only), then scores the classifier on
    /// the test split.</summary>
    private EvaluationResult SaveAndTest(ContrastiveMethod method, VisionTransformer classifier, RunFolder folder, ModelMetadata metadata,
        TrainingData data, IImageTransform evalTransform, long[] counts, Device device)
    {
        folder.Write(ModelCheckpoint.FileName, path => ModelCheckpoint.Save(path, classifier, metadata));
        folder.Write(ModelFile, path => SafeTensors.Write(path, method.Model.state_dict()));
        context.Observer.Message($"Evaluating on the {data.Test.Count}-image test split");
        return Evaluator.Evaluate(classifier, data.Test, evalTransform, counts, device, config.BatchSize, config.Workers, data.Train.ClassNames,
            group: context.Parallel.Group);
    }

    private (double? Top1, double? Balanced) ValidateEpoch(int epoch, ContrastiveMethod method, IImageDataset? val,
        IImageTransform evalTransform, long[] counts, ModelMetadata metadata, Device device, ITrainingStage stage, RunFolder folder)
    {
        bool last = epoch + 1 == config.Epochs;
        if (val is null || !(config.SaveBest || (config.EvalEvery > 0 && (epoch + 1) % config.EvalEvery == 0) || last))
            return (null, null);
        using var classifier = method.Classifier(device);
        var r = Evaluator.Evaluate(classifier, val, evalTransform, counts, device, config.BatchSize, config.Workers, val.ClassNames,
            group: context.Parallel.Group);
        double balanced = r.PerClass.Where(double.IsFinite).Average();
        if (config.SaveBest && (stage.BestMetric is null || balanced > stage.BestMetric))
        {
            stage.BestMetric = balanced;
            folder.Write("best.safetensors", path => ModelCheckpoint.Save(path, classifier, metadata));
            context.Observer.Message($"Epoch {epoch + 1}: best validation balanced accuracy so far ({balanced:F2} %), saved best.safetensors");
        }
        return (r.Top1, balanced);
    }
}
