using Livt.Data;
using Livt.Engine;
using Livt.Engine.Optimization;
using Livt.Losses;
using Livt.Models;
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
        static void Require(bool ok, string message)
        {
            if (!ok) throw new LivtException(message);
        }
        Require(stage is "pretrain" or "finetune", $"unknown stage '{stage}'");
        Require(DatasetCatalog.Names.Contains(config.Dataset), $"--dataset {config.Dataset}: choose one of {string.Join(", ", DatasetCatalog.Names)}");
        ModelPresets.Get(config.Model);
        Require(config.BatchSize >= 1, $"--batch-size {config.BatchSize}: must be at least 1");
        Require(config.AccumIter >= 1, $"--accum-iter {config.AccumIter}: must be at least 1");
        Require(config.Epochs >= 1, $"--epochs {config.Epochs}: must be at least 1");
        Require(config.StepsPerEpoch is null or >= 1, $"--steps-per-epoch {config.StepsPerEpoch}: must be at least 1");
        Require(config.SaveEverySteps is null or >= 1, $"--save-every-steps {config.SaveEverySteps}: must be at least 1");
        Require(config.EvalEvery >= 0, $"--eval-every {config.EvalEvery}: must not be negative");
        Require(config.DistTimeout > 0 && double.IsFinite(config.DistTimeout), $"--dist-timeout {config.DistTimeout}: must be a positive number of seconds");
        Require(config.Threads >= 0 && config.Workers >= 0, "--threads and --workers must not be negative (0 = all cores)");
        Require(config.ValFraction is >= 0 and < 1, $"--val-fraction {config.ValFraction}: must be in [0, 1)");
        Require(!(config.ValFraction > 0 && config.ValList is not null), "--val-fraction and --val-list: give one (the list is the dataset's own validation split)");
        Require(config.ValList is null || config.Dataset == "list", $"--val-list: only --dataset list reads list files (imagefolder uses val/)");
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
        _ = new LrSchedule(config.ResolvedLr(), config.MinLr, config.WarmupEpochs, config.Epochs);
        if (stage == "pretrain")
        {
            Require(config.MaskRatio is >= 0 and < 1, $"--mask-ratio {config.MaskRatio}: must be in [0, 1)");
            return;
        }

        string loss = LossFactory.Canonical(config.Loss)
            ?? throw new LivtException($"--loss {config.Loss}: unknown loss (known: {string.Join(", ", LossFactory.Names)})");
        Require(!(config.SaveBest && config.ValFraction == 0 && config.ValList is null && config.Dataset != "imagefolder"),
            "--save-best: needs a validation split; give --val-fraction (or --val-list for list datasets)");
        Require(config.DrwEpoch is null || loss == "ldam", $"--drw-epoch: deferred re-weighting belongs to --loss ldam, not {loss}");
        Require(config.DrwEpoch is null || (config.DrwEpoch >= 0 && config.DrwEpoch < config.Epochs),
            $"--drw-epoch {config.DrwEpoch}: must be within the run's {config.Epochs} epochs");
        var probe = LossFactory.Create(loss, [2, 1], LossOptions(config));
        Require(!(config.Mixup > 0 || config.Cutmix > 0) || probe.AcceptsSoftTargets,
            $"--loss {config.Loss} needs hard labels: turn Mixup/CutMix off (--mixup 0 --cutmix 0)");
    }

    /// <summary>The loss options the config sets.</summary>
    public static LossOptions LossOptions(TrainConfig config) => new()
    {
        Tau = config.BalTau, Smoothing = config.Smoothing, Beta = config.CbBeta, FocalGamma = config.FocalGamma,
        LdamMaxMargin = config.LdamMaxMargin, DrwEpoch = config.DrwEpoch,
    };
}
