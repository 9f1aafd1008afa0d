using Livt.Data;
using Livt.Engine;
using Livt.Losses;
using Livt.Losses.Contrastive;
using Livt.Methods;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;

namespace Livt.Configuration;

/// <summary>
/// The rules a resolved <see cref="TrainConfig"/> must satisfy, checked once before any data is
/// loaded, each failing with a message that names the flag: ranges, and the rules across settings
/// (<c>--save-best</c> needs a validation set, a hard-label loss cannot take Mixup, LDAM's DRW epoch
/// falls inside the run…).
/// </summary>
public static class TrainConfigRules
{
    /// <summary>Checks <paramref name="config"/> for <paramref name="stage"/> ("pretrain" or "finetune").</summary>
    /// <exception cref="LivtException">The first rule broken.</exception>
    public static void Check(TrainConfig config, string stage)
    {
        Require(stage is "pretrain" or "finetune", $"unknown stage '{stage}'");
        CheckCommon(config, stage);
        if (stage == "pretrain")
        {
            Require(config.MaskRatio is >= 0 and < 1, $"--mask-ratio {config.MaskRatio}: must be in [0, 1)");
            return;
        }
        CheckFinetune(config);
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new LivtException(message);
    }

    /// <summary>The settings every stage has: data, batch and epochs, validation split, normalisation, precision,
    /// device and learning-rate schedule.</summary>
    private static void CheckCommon(TrainConfig config, string stage)
    {
        Require(DatasetCatalog.Names.Contains(config.Dataset), $"--dataset {config.Dataset}: choose one of {string.Join(", ", DatasetCatalog.Names)}");
        if (stage == "pretrain" || !ModelPresets.IsCnn(config.Model)) ModelPresets.Get(config.Model);
        Require(config.BatchSize >= 1, $"--batch-size {config.BatchSize}: must be at least 1");
        Require(config.AccumIter >= 1, $"--accum-iter {config.AccumIter}: must be at least 1");
        Require(config.Epochs >= 1, $"--epochs {config.Epochs}: must be at least 1");
        Require(config.StepsPerEpoch is null or >= 1, $"--steps-per-epoch {config.StepsPerEpoch}: must be at least 1");
        Require(config.SaveEverySteps is null or >= 1, $"--save-every-steps {config.SaveEverySteps}: must be at least 1");
        Require(config.EvalEvery >= 0, $"--eval-every {config.EvalEvery}: must not be negative");
        Require(config.DistTimeout > 0 && double.IsFinite(config.DistTimeout), $"--dist-timeout {config.DistTimeout}: must be a positive number of seconds");
        Require(config.Threads >= 0 && config.Workers >= 0, "--threads and --workers must not be negative (0 = all cores)");
        Require(config.ValFraction is >= 0 and < 1, $"--val-fraction {config.ValFraction}: must be in [0, 1)");
        Require(!(config.ValFraction > 0 && config.ValList is not null),
            "--val-fraction and --val-list: give one (the list is the dataset's own validation split)");
        Require(config.ValList is null || (DatasetCatalog.ReadsImageFiles(config.Dataset) && config.Dataset != "imagefolder"),
            "--val-list: only a dataset read from list files takes it (imagefolder uses val/)");
        Require(config.ScaleMin is > 0 and <= 1, $"--scale-min {config.ScaleMin}: must be in (0, 1]");
        Require(config.CropPct is null or (> 0 and <= 1), $"--crop-pct {config.CropPct}: must be in (0, 1]");
        Require((config.Mean is null) == (config.Std is null), "--mean and --std: give both or neither");
        if (config.Mean is { } mean && config.Std is { } std)
        {
            Require(mean.Length == std.Length && mean.Length > 0, $"--mean/--std: {mean.Length} means and {std.Length} stds; give one of each per channel");
            Require(std.All(s => s > 0), "--std: every value must be positive");
        }
        Require(PrecisionPolicy.Values.Contains(config.Precision.Trim().ToLowerInvariant()),
            $"--precision {config.Precision}: expected {string.Join(", ", PrecisionPolicy.Values)}");
        Require(config.PrecisionUsed is null or "fp32" or "bf16", $"precision_used {config.PrecisionUsed}: expected fp32 or bf16");
        TrainingDevice.Parse(config.Device);
        Require(config.Momentum is null || config.Optimizer == OptimizerKind.Sgd, $"--momentum {config.Momentum}: SGD's; this run's --optimizer is adamw");
        Require(config.Momentum is null or (>= 0 and < 1), $"--momentum {config.Momentum}: must be in [0, 1)");
        _ = new LrSchedule(config.ResolvedLr(), config.MinLr, config.WarmupEpochs, config.Epochs);
    }

    /// <summary>The fine-tuning settings: the loss and the methods' own settings, each allowed only with what reads it.</summary>
    private static void CheckFinetune(TrainConfig config)
    {
        var method = LongTailMethods.Loss(config.Loss);
        string loss = method.Name;
        Require(!(config.SaveBest && config.ValFraction == 0 && config.ValList is null && !ShipsValidation(config.Dataset)),
            "--save-best: needs a validation split; give --val-fraction (or --val-list for list datasets)");
        CheckCmo(config);
        CheckDifficultyNet(config, loss);
        CheckCnn(config, loss);
        CheckDistillation(config, loss);
        Require((config.IifVariant.Trim().ToLowerInvariant() == "raw" && config.IifNorm == 0) || loss == "iif",
            $"--iif-variant, --iif-norm: settings of --loss iif, not {loss}");
        if (method.Kind == MethodKind.Contrastive)
        {
            Require(!config.Cmo && !config.DifficultyNet, $"--cmo, --difficulty-net: not with --loss {loss}, which trains on its own multi-view " +
                "augmentation and loss");
            CheckContrastive(config, loss);
            return;
        }
        Require(config is { ConTemperature: null, ConAlpha: null, ConBeta: null, QueueSize: null, ProjDim: null },
            $"--con-temperature, --con-alpha, --con-beta, --queue-size, --proj-dim: settings of the contrastive losses " +
                $"({string.Join(", ", LongTailMethods.OfKind(MethodKind.Contrastive))}), not of --loss {loss}");
        Require(config.DrwEpoch is null || loss == "ldam" || config.DistillFrom is not null,
            $"--drw-epoch: deferred re-weighting belongs to --loss ldam or to --distill-from, not to --loss {loss}");
        Require(config.DrwEpoch is null || (config.DrwEpoch >= 0 && config.DrwEpoch < config.Epochs),
            $"--drw-epoch {config.DrwEpoch}: must be within the run's {config.Epochs} epochs");
        if (method.Kind == MethodKind.Experts)
        {
            // Mixup/CutMix are fine: the diverse-expert loss takes soft targets.
            int depth = config.Depth ?? ModelPresets.Get(config.Model).Depth;
            Require(config.ExpertBlocks >= 1 && config.ExpertBlocks <= depth,
                $"--expert-blocks {config.ExpertBlocks}: each expert owns between 1 and all {depth} blocks of the model");
            Require(double.IsFinite(config.SadeTau), $"--sade-tau {config.SadeTau}: must be finite");
            Require(config.SadeCosineScale is >= 0 and < double.PositiveInfinity,
                $"--sade-cosine-scale {config.SadeCosineScale}: must be finite and >= 0 (0: linear heads)");
            return;
        }
        var probe = LossFactory.Create(loss, [2, 1], LossOptions(config), config.Options(method));
        Require(!(config.Mixup > 0 || config.Cutmix > 0) || probe.AcceptsSoftTargets,
            $"--loss {config.Loss} needs hard labels: turn Mixup/CutMix off (--mixup 0 --cutmix 0)");
    }

    /// <summary>CMO's ranges, its window (the official start 3 / end 3 assume 200+ epochs and leave a short run
    /// without a single mixed epoch) and its exclusion of Mixup/CutMix, which it replaces in the official code.</summary>
    private static void CheckCmo(TrainConfig config)
    {
        if (!config.Cmo) return;
        Require(config.CmoProb is >= 0 and <= 1, $"--cmo-prob {config.CmoProb}: must be in [0, 1]");
        Require(config.CmoBeta is > 0 and < double.PositiveInfinity, $"--cmo-beta {config.CmoBeta}: must be finite and > 0");
        Require(config.CmoStartEpoch >= 0 && config.CmoEndEpochs >= 0,
            $"--cmo-start-epoch {config.CmoStartEpoch}, --cmo-end-epochs {config.CmoEndEpochs}: must not be negative");
        int first = config.CmoStartEpoch + 1, last = config.Epochs - config.CmoEndEpochs - 1;
        Require(first <= last,
            $"--cmo: no epoch would be mixed: CMO mixes epochs e (0-based) with --cmo-start-epoch {config.CmoStartEpoch} < e < --epochs {config.Epochs} - " +
                $"--cmo-end-epochs {config.CmoEndEpochs}; " +
            $"the official 3 and 3 assume 200+ epochs: at {config.Epochs} epochs give e.g. --cmo-start-epoch 0 --cmo-end-epochs " +
                $"{(config.Epochs >= 3 ? 1 : 0)}");
        Require(config.Mixup == 0 && config.Cutmix == 0,
            $"--cmo replaces Mixup/CutMix (the official CMO trains without them): give --mixup 0 --cutmix 0 (this run has mixup {config.Mixup}, cutmix " +
                $"{config.Cutmix} from its recipe or flags)");
    }

    /// <summary>A CNN trains as a single-head classifier in fp32 with the losses of <see cref="LossFactory"/>: the
    /// methods that build their own ViTs (contrastive, SADE's experts, Difficulty-Net's meta step) and bf16
    /// (the working copy would not carry BatchNorm's running statistics) are refused.</summary>
    private static void CheckCnn(TrainConfig config, string loss)
    {
        if (!ModelPresets.IsCnn(config.Model)) return;
        if (LongTailMethods.Loss(loss).Kind != MethodKind.Loss || config.DifficultyNet)
            throw new LivtException($"--model {config.Model}: a CNN trains with the classification losses ({string.Join(", ", LossFactory.Names)}); " +
                                    $"{(config.DifficultyNet ? "--difficulty-net" : $"--loss {loss}")} needs a ViT");
        if (string.Equals(config.Precision.Trim(), "bf16", StringComparison.OrdinalIgnoreCase))
            throw new LivtException($"--precision bf16: --model {config.Model} trains in fp32 only (the bf16 working copy would not carry BatchNorm's " +
                "running statistics); drop --precision (auto then means fp32)");
    }

    /// <summary>DeiT-LT's distillation (<c>--distill-from</c>: a ViT student with its own loss on the class head;
    /// not a CNN, not the methods with their own models or batches) and SAM (<c>--sam-rho</c>: two passes per
    /// step, each step one batch).</summary>
    private static void CheckDistillation(TrainConfig config, string loss)
    {
        if (config.SamRho is { } rho)
        {
            Require(rho >= 0 && double.IsFinite(rho), $"--sam-rho {rho}: must be finite and >= 0");
            Require(config.AccumIter == 1, $"--sam-rho with --accum-iter {config.AccumIter}: SAM takes its ascent step on each batch's gradient; " +
                "use --accum-iter 1");
            Require(!config.Cmo && !config.DifficultyNet && LongTailMethods.Loss(loss).Kind == MethodKind.Loss,
                $"--sam-rho: not with {(config.Cmo ? "--cmo" : config.DifficultyNet ? "--difficulty-net" : $"--loss {loss}")}");
        }
        Require(!config.NoMixupDrw || (config.DistillFrom is not null && config.DrwEpoch is not null),
            "--no-mixup-drw: stops Mixup/CutMix at --drw-epoch of a --distill-from run; give both");
        if (config.DistillFrom is null) return;
        Require(!ModelPresets.IsCnn(config.Model), $"--distill-from: the student is a ViT with a distillation token; --model {config.Model} is a CNN (the " +
            "teacher is the --distill-from run)");
        Require(loss != "iif", "--distill-from with --loss iif: IIF scales the class head's logits at evaluation too, which a distilled model's averaged " +
            "heads do not carry; choose another class-head loss");
        Require(!config.Cmo && !config.DifficultyNet && LongTailMethods.Loss(loss).Kind == MethodKind.Loss,
            $"--distill-from: not with {(config.Cmo ? "--cmo" : config.DifficultyNet ? "--difficulty-net" : $"--loss {loss}")}; the class head takes one of " +
                $"{string.Join(", ", LossFactory.Names)}");
    }

    // An ImageFolder tree may have val/ beside test/, and the file benchmarks ship a validation split.
    private static bool ShipsValidation(string dataset) => dataset == "imagefolder" || FileBenchmark.Find(dataset) is not null;

    /// <summary>Difficulty-Net's settings: its validation split (the per-class accuracies it reads and the meta
    /// batches) and the per-sample softmax losses its weights scale (official CE or balanced softmax).</summary>
    private static void CheckDifficultyNet(TrainConfig config, string loss)
    {
        if (!config.DifficultyNet) return;
        Require(config.ValFraction > 0 || config.ValList is not null || ShipsValidation(config.Dataset),
            "--difficulty-net: learns from per-class validation accuracy: give --val-fraction (e.g. 0.1; or --val-list for list datasets)");
        Require(loss is "ce" or "bal-ce", $"--difficulty-net: weights per-sample softmax cross-entropy, as the official code: use --loss ce (official) or " +
            $"bal-ce (balanced softmax), not {loss}");
        Require(config.DifficultyLr is > 0 and < double.PositiveInfinity, $"--difficulty-lr {config.DifficultyLr}: must be finite and > 0");
        Require(config.DifficultyLambda is >= 0 and < double.PositiveInfinity, $"--difficulty-lambda {config.DifficultyLambda}: must be finite and >= 0");
        Require(!config.Cmo, "--difficulty-net with --cmo: not supported together; choose one");
    }

    private static void CheckContrastive(TrainConfig config, string method)
    {
        Require(!string.Equals(config.Precision.Trim(), "bf16", StringComparison.OrdinalIgnoreCase),
            $"--precision bf16: --loss {method} trains in fp32 only; drop --precision (auto then means fp32)");
        Require(config.DrwEpoch is null, $"--drw-epoch: deferred re-weighting belongs to --loss ldam, not {method}");
        Require(config.ConTemperature is null or (> 0 and < double.PositiveInfinity), $"--con-temperature {config.ConTemperature}: must be finite and > 0");
        Require(config.ConAlpha is null or (>= 0 and < double.PositiveInfinity), $"--con-alpha {config.ConAlpha}: must be finite and >= 0");
        Require(config.ConAlpha is null || method is "gpaco" or "paco" or "bcl", $"--con-alpha: {method} has no alpha weight (gpaco, paco and bcl have)");
        Require(config.ConBeta is null or (>= 0 and < double.PositiveInfinity), $"--con-beta {config.ConBeta}: must be finite and >= 0");
        Require(config.QueueSize is null || method != "bcl", "--queue-size: bcl keeps no queue");
        int minQueue = method is "gpaco" or "paco" ? 0 : 1;
        Require(config.QueueSize is null || config.QueueSize >= minQueue, $"--queue-size {config.QueueSize}: must be at least {minQueue} for {method}");
        Require(config.ProjDim is null or >= 1, $"--proj-dim {config.ProjDim}: must be at least 1");
        Require(config.TscTargetSteps >= 1, $"--tsc-target-steps {config.TscTargetSteps}: must be at least 1");
        try
        {
            // The methods' own range checks, on a two-class probe (the real counts come with the data).
            long[] probe = [2, 1];
            _ = method switch
            {
                "gpaco" or "paco" => (object)new GpacoLoss(probe, GpacoOptions(config)),
                "bcl" => new BclLoss(probe, BclOptions(config)),
                "tsc" => new TscLoss(probe.Length, TscOptions(config)),
                _ => new ResComLoss(probe, ResComOptions(config) with { HardNegatives = 0 }),
            };
        }
        catch (LivtException e)
        {
            throw new LivtException($"--loss {method}: {e.Message} (set by --con-temperature, --con-alpha, --con-beta, --queue-size, --proj-dim)");
        }
    }

    /// <summary>GPaCo's (and PaCo's) options: the official long-tail defaults, overridden by the contrastive settings given.</summary>
    public static GpacoOptions GpacoOptions(TrainConfig c)
    {
        var d = new GpacoOptions();
        return d with
        {
            Temperature = c.ConTemperature ?? d.Temperature, Alpha = c.ConAlpha ?? d.Alpha, Beta = c.ConBeta ?? d.Beta,
            QueueSize = c.QueueSize ?? d.QueueSize, ProjectionDim = c.ProjDim ?? d.ProjectionDim,
        };
    }

    /// <summary>BCL's options: the official defaults, overridden by the contrastive settings given.</summary>
    public static BclOptions BclOptions(TrainConfig c)
    {
        var d = new BclOptions();
        return d with
        {
            Temperature = c.ConTemperature ?? d.Temperature, CeWeight = c.ConAlpha ?? d.CeWeight,
            ContrastWeight = c.ConBeta ?? d.ContrastWeight, ProjectionDim = c.ProjDim ?? d.ProjectionDim,
        };
    }

    /// <summary>TSC's options: the official defaults, overridden by the contrastive settings given.</summary>
    public static TscOptions TscOptions(TrainConfig c)
    {
        var d = new TscOptions();
        return d with
        {
            Temperature = c.ConTemperature ?? d.Temperature, TargetWeight = c.ConBeta ?? d.TargetWeight,
            QueueSize = c.QueueSize ?? d.QueueSize, ProjectionDim = c.ProjDim ?? d.ProjectionDim, TargetIterations = c.TscTargetSteps,
        };
    }

    /// <summary>ResCom's options: the defaults, overridden by the contrastive settings given; a given queue size
    /// also sets the mined positives to half of it, as the default 4 of 8. The mined negatives (32) are
    /// capped by the stage once the class count is known.</summary>
    public static ResComOptions ResComOptions(TrainConfig c)
    {
        var d = new ResComOptions();
        return d with
        {
            Temperature = c.ConTemperature ?? d.Temperature, ContrastWeight = c.ConBeta ?? d.ContrastWeight,
            QueuePerClass = c.QueueSize ?? d.QueuePerClass, HardPositives = c.QueueSize is { } q ? Math.Max(1, q / 2) : d.HardPositives,
            ProjectionDim = c.ProjDim ?? d.ProjectionDim,
        };
    }

    /// <summary>The loss options the config sets.</summary>
    public static LossOptions LossOptions(TrainConfig config) => new()
    {
        Tau = config.BalTau, Smoothing = config.Smoothing, Beta = config.CbBeta, FocalGamma = config.FocalGamma,
        LdamMaxMargin = config.LdamMaxMargin, DrwEpoch = config.DrwEpoch, IifVariant = config.IifVariant, IifNorm = config.IifNorm,
    };
}
