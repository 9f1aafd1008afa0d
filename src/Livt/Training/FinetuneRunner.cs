using System.Diagnostics;
using Livt.Augmentation;
using Livt.Data;
using Livt.Evaluation;
using Livt.Interop;
using Livt.Losses;
using Livt.Models;
using Livt.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>
/// BFT: a ViT classifier trained with a long-tail loss (Bal-BCE by default), from an MGP encoder
/// (<see cref="TrainConfig.Init"/>) or from scratch, as LiVT's main_finetune.py: layer-wise lr decay,
/// AdamW, per-iteration warm-up + cosine, the DeiT augmentation recipe, Mixup/CutMix with label
/// smoothing folded into soft targets. Ends by evaluating the final weights on the test split and
/// writing <c>report.json</c>, <c>report.md</c> and plots.
/// </summary>
public sealed class FinetuneRunner : StageRunner
{
    public FinetuneRunner(TrainConfig config, ITrainingObserver? observer = null) : base(config, observer) { }

    public override string Stage => "finetune";

    protected override void Validate()
    {
        base.Validate();
        if (LossFactory.Canonical(Config.Loss) is null)
            throw new LivtException($"--loss {Config.Loss}: unknown loss (known: {string.Join(", ", LossFactory.Names)})");
        if (Config.Init is not null) ModelCheckpoint.Resolve(Config.Init);
        if (Config.ValFraction is < 0 or >= 1) throw new LivtException($"--val-fraction {Config.ValFraction}: must be in [0, 1)");
    }

    public override RunResult Run()
    {
        var clock = Stopwatch.StartNew();
        WriteConfig();
        Observer.Message($"Loading {Config.Dataset}");
        var data = LoadData();
        IImageDataset train = data.Train, val = null!;
        bool hasVal = Config.ValFraction > 0;
        if (hasVal)
            (train, val) = StratifiedSplit.Split(data.Train, Config.ValFraction, Seeds.DeriveInt(Config.Seed, 0, Seeds.Stream.Split));
        var counts = DatasetStats.ClassCounts(train);

        // An MGP checkpoint fixes the preprocessing: the encoder learnt on inputs normalised its way.
        WeightsFile? init = null;
        ModelMetadata? initMeta = null;
        string? initPath = null;
        if (Config.Init is not null) (init, initMeta, initPath) = ModelCheckpoint.Open(Config.Init);
        using var initScope = init;
        var (mean, std) = initMeta is not null ? (initMeta.Mean, initMeta.Std) : Normalization.For(Config.Dataset, train);

        var modelConfig = ModelConfig(train.Channels, train.NumClasses, Config.DropPath);
        torch.manual_seed(Config.Seed);
        using var model = new VisionTransformer(modelConfig);
        if (init is not null) LoadEncoder(model, init, initMeta, initPath!);
        model.to(Device);

        var groups = ParamGroups.LayerDecay(model.named_parameters(), modelConfig.Depth, Config.WeightDecay, Config.LayerDecay);
        using var optimizer = OptimizerFactory.AdamW(groups, Config.ResolvedLr, Config.Beta1, Config.Beta2);
        var loss = LossFactory.Create(Config.Loss, counts, new LossOptions { Tau = Config.BalTau, Smoothing = Config.Smoothing });
        bool mixing = Config.Mixup > 0 || Config.Cutmix > 0;
        if (mixing && !loss.AcceptsSoftTargets)
            throw new LivtException($"--loss {Config.Loss} needs hard labels: turn Mixup/CutMix off (--mixup 0 --cutmix 0)");

        var augmentation = new AugmentationOptions
        {
            InputSize = modelConfig.ImageSize, ScaleMin = Config.ScaleMin,
            RandAugment = string.IsNullOrWhiteSpace(Config.RandAugment) ? null : Config.RandAugment,
            ReProb = Config.Reprob, Mixup = Config.Mixup, Cutmix = Config.Cutmix,
            MixupSwitchProb = Config.MixupSwitchProb, MixupProb = Config.MixupProb, Smoothing = Config.Smoothing,
            HorizontalFlip = Config.HorizontalFlip,
        };
        var loader = TrainLoader(train, TransformPipelines.BftTrain(augmentation, mean, std));
        var evalTransform = TransformPipelines.Eval(modelConfig.ImageSize, mean, std);
        var metadata = new ModelMetadata
        {
            Kind = "vit", Model = modelConfig, Mean = mean, Std = std, ClassNames = train.ClassNames.ToArray(),
            ClassCounts = counts, Dataset = Config.Dataset, Imbalance = Config.Imbalance, Seed = Config.Seed, Loss = Config.Loss,
        };

        using var log = new RunLog(RunDir);
        Observer.Message($"BFT on {train.Count} images ({train.NumClasses} classes{(hasVal ? $", {val.Count} held out for validation" : "")}), " +
                         $"loss {Config.Loss}, lr {Config.ResolvedLr:g3}{(init is not null ? $", encoder from {initPath}" : ", from scratch")}");

        using var precision = MixedPrecision.For(Config.Precision, model, () => new VisionTransformer(modelConfig), Device);
        var compute = (VisionTransformer?)precision?.Work ?? model;
        var dtype = MixedPrecision.InputType(precision);
        // Logits go back to fp32 under bf16: a loss is computed in full precision.
        Tensor Logits(Tensor images) => compute.forward(images.to(dtype)).to(ScalarType.Float32);
        MixupCutmix mixer = null!;
        double finalLoss = TrainEpochs(model, loader, optimizer, groups,
            (batch, _) =>
            {
                var images = batch.Images.to(Device);
                var labels = batch.Labels.to(Device);
                if (!loss.AcceptsSoftTargets) return loss.Forward(Logits(images), labels);
                var (mixed, targets, _) = mixer.Apply(images, labels);
                return loss.Forward(Logits(mixed), targets);
            },
            onEpochStart: epoch =>
            {
                loss.SetEpoch(epoch);
                mixer = new MixupCutmix(Config.Mixup, Config.Cutmix, Config.MixupSwitchProb, Config.MixupProb,
                    Config.Smoothing, train.NumClasses, Seeds.DeriveInt(Config.Seed, epoch, Seeds.Stream.Mixup));
            },
            afterEpoch: epoch => ValidateEpoch(epoch, model, hasVal ? val : null, evalTransform, counts, metadata),
            log, precision);

        var modelPath = Path.Combine(RunDir, ModelCheckpoint.FileName);
        ModelCheckpoint.Save(modelPath, model, metadata);
        Observer.Message($"Evaluating on the {data.Test.Count}-image test split");
        var result = Evaluator.Evaluate(model, data.Test, evalTransform, counts, Device, Config.BatchSize, Config.Workers, train.ClassNames);
        var report = Reports.Write(RunDir, result, new ReportInfo(Stage, Config.Loss, Config.Model, data.Name, Config.Epochs,
            clock.Elapsed.TotalSeconds, Config.Imbalance, Config.Seed, null), log.Path);
        return new RunResult(Stage, RunDir, modelPath, Config.Epochs, clock.Elapsed.TotalSeconds, finalLoss, report);
    }

    private (double? Top1, double? Balanced) ValidateEpoch(int epoch, VisionTransformer model, IImageDataset? val,
        IImageTransform evalTransform, long[] counts, ModelMetadata metadata)
    {
        bool last = epoch + 1 == Config.Epochs;
        if (val is null || !(Config.SaveBest || (Config.EvalEvery > 0 && (epoch + 1) % Config.EvalEvery == 0) || last))
            return (null, null);
        var r = Evaluator.Evaluate(model, val, evalTransform, counts, Device, Config.BatchSize, Config.Workers, val.ClassNames);
        double balanced = r.PerClass.Where(double.IsFinite).Average();
        if (Config.SaveBest && (BestMetric is null || balanced > BestMetric))
        {
            BestMetric = balanced;
            ModelCheckpoint.Save(Path.Combine(RunDir, "best.safetensors"), model, metadata);
            Observer.Message($"Epoch {epoch + 1}: best validation balanced accuracy so far ({balanced:F2} %), saved best.safetensors");
        }
        return (r.Top1, balanced);
    }

    /// <summary>
    /// Loads an MGP (or classifier) checkpoint's encoder by name. Only the new classifier (head, and
    /// fc_norm when the encoder had none) may be missing; anything else that does not fit — another
    /// architecture, another patch size — is an error that lists the keys.
    /// </summary>
    private static void LoadEncoder(VisionTransformer model, WeightsFile init, ModelMetadata? meta, string path)
    {
        bool isMae = meta?.Kind == "mae" || init.Tensors.Keys.Any(k => k.StartsWith("decoder_", StringComparison.Ordinal));
        var weights = isMae
            ? StateDictLoader.EncoderFromMae(init.Tensors, model.Config.GlobalPool)
            : init.Tensors.Where(kv => !kv.Key.StartsWith("head.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
        var report = StateDictLoader.Load(model, weights, strict: false, source: path);
        var missing = report.Missing.Where(k => !(k.StartsWith("head.", StringComparison.Ordinal) || k.StartsWith("fc_norm.", StringComparison.Ordinal))).ToList();
        if (missing.Count > 0 || report.Unexpected.Count > 0 || report.ShapeMismatched.Count > 0)
            throw new LivtException($"{path}: does not fit the model being fine-tuned (another architecture?)" +
                (missing.Count > 0 ? $"; missing: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")}" : "") +
                (report.Unexpected.Count > 0 ? $"; unexpected: {string.Join(", ", report.Unexpected.Take(10))}{(report.Unexpected.Count > 10 ? ", ..." : "")}" : "") +
                (report.ShapeMismatched.Count > 0 ? $"; wrong shape: {string.Join(", ", report.ShapeMismatched.Take(10))}" : ""));
    }
}
