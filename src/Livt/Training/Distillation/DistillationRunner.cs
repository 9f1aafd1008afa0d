using System.Diagnostics;
using Livt.Augmentation;
using Livt.Configuration;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Inference;
using Livt.Interop;
using Livt.Models;
using Livt.Runtime;
using Livt.Training.Setup;

namespace Livt.Training.Distillation;

/// <summary>
/// <c>livt finetune --distill-from &lt;teacher&gt;</c> — DeiT-LT (Rangwani et al., CVPR 2024, <c>val-iisc/DeiT-LT</c>):
/// a <see cref="DistilledVisionTransformer"/> trained from scratch or from an MGP encoder (<c>--init</c>) on
/// the run's long-tail loss on its class head and on the hard labels a frozen teacher gives the same
/// augmented batch on its distillation head (<see cref="DistillationLoss"/>), with deferred re-weighting of
/// the distillation term from <c>--drw-epoch</c> and, with <c>--no-mixup-drw</c>, no Mixup after it. The
/// rest is BFT's: augmentation, optimizer and schedule, checkpoints and resume, processes, validation. Ends
/// by scoring the class head, the distillation head and their average on the test split (the report's main
/// result is the average, the model's prediction; the notes give all three).
/// </summary>
internal sealed class DistillationRunner(FinetuneRunner finetune, TrainConfig config, PrecisionChoice precision, RunContext context, string runDir)
{
    /// <summary>Runs the stage to the end (resuming from the run folder's checkpoint if there is one).</summary>
    public RunResult Run()
    {
        var clock = Stopwatch.StartNew();
        using var folder = new RunFolder(runDir, context.Parallel);
        var (device, data, counts) = finetune.Begin(folder);
        var observer = context.Observer;
        var (train, val) = (data.Train, data.Validation);

        using var init = EncoderInit.Open(config.Init);
        var (mean, std) = RunSetup.MeanStd(config, train, init.Normalization);
        var vit = RunSetup.ModelConfig(config, train.Channels, train.NumClasses, config.DropPath) with { GlobalPool = false };
        using var teacher = Teacher.Load(config.DistillFrom!, device, train.NumClasses, train.Channels, vit.ImageSize, mean, std);
        using var parts = StageModel.Classifier(config, vit, precision, device, context.Parallel.WorldSize,
            init.Path is null ? null : m => init.LoadInto(m, observer), g => new DistilledVisionTransformer(vit, g));
        var model = (DistilledVisionTransformer)parts.Model;
        double lr = config.ResolvedLr(context.Parallel.WorldSize);
        var loss = new DistillationLoss(StageModel.Loss(config, counts), counts, config.CbBeta);
        var loader = RunSetup.TrainLoader(config, train, FinetuneRunner.TrainTransform(config, vit.ImageSize, mean, std), context);
        var evalTransform = TransformPipelines.Eval(vit.ImageSize, mean, std, config.CropPct);
        var metadata = new ModelMetadata
        {
            Kind = model.Kind, Model = model.Config, Mean = mean, Std = std, ClassNames = train.ClassNames.ToArray(),
            ClassCounts = counts, Dataset = config.Dataset, Imbalance = config.Imbalance, Seed = config.Seed, Loss = config.Loss,
        };

        observer.Message($"DeiT-LT on {train.Count} images ({train.NumClasses} classes{(val is not null ? $", {val.Count} for validation" : "")}): " +
                         $"class head {config.Loss}, distillation head on the {teacher.Describe()}, sampler {KebabEnumConverter.Name(config.Sampler)}, " +
                         $"lr {lr:g3}{FinetuneRunner.DescribeSam(config)}{init.Describe()}, {precision.Reason}");
        if (config.DrwEpoch is { } drw)
            observer.Message($"DRW from epoch {drw + 1}: the distillation loss weighted by class (effective number, beta {config.CbBeta:g4})" +
                             (config.NoMixupDrw ? "; no Mixup/CutMix, the class head on the true labels" : ""));

        DistillationStage stage = null!;
        stage = new DistillationStage(model, parts.Precision, loss, teacher, config, device, train.NumClasses,
            epoch => finetune.ValidateEpoch(epoch, model, val, evalTransform, counts, metadata, device, stage, null, folder));
        double finalLoss = new Trainer(config.TrainerOptions(context.Parallel.WorldSize), folder, stage, loader, parts.Optimizer, context).Run();

        var modelPath = folder.File(ModelCheckpoint.FileName);
        folder.Write(ModelCheckpoint.FileName, path => ModelCheckpoint.Save(path, model, metadata));
        observer.Message($"Evaluating on the {data.Test.Count}-image test split (class head, distillation head, their average)");
        var heads = Evaluator.PredictHeads(model, 2, data.Test, evalTransform, device, config.BatchSize, config.Workers, precision, context.Parallel.Group);
        var results = HeadResults.From(heads[0], heads[1], counts, train.ClassNames);
        foreach (var line in results.Lines()) observer.Message(line);
        var info = new ReportInfo("finetune", $"{config.Loss} + DeiT-LT distillation", config.Model, data.Name, config.Epochs,
            clock.Elapsed.TotalSeconds, config.Imbalance, config.Seed, null, data.CountsNote, Precision: precision,
            Processes: context.Parallel.WorldSize, Backend: context.Parallel.Group.Backend,
            Notes: [.. results.Lines(), $"Distilled from {teacher.Path} ({teacher.Metadata.Kind} {teacher.Metadata.Model.Summary})"]);
        string? report = folder.Write(dir => Reports.Write(dir, results.Average, info, folder.Log?.Path));
        return new RunResult("finetune", runDir, modelPath, config.Epochs, clock.Elapsed.TotalSeconds, finalLoss, report);
    }
}
