using System.Diagnostics;
using Livt.Data;
using Livt.Models;
using Livt.Runtime;
using Livt.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>
/// The epoch loop both stages share: per-iteration learning-rate schedule, gradient accumulation to the
/// effective batch, optional clipping, a dispose scope around every step, a NaN guard, logging, and a
/// resumable checkpoint after every epoch. A stage supplies its model, data and per-batch loss.
/// </summary>
public abstract class StageRunner
{
    /// <summary>How often (in steps) a step line goes to log.jsonl.</summary>
    private const int LogEverySteps = 20;

    protected StageRunner(TrainConfig config, ITrainingObserver? observer)
    {
        Config = config;
        Observer = observer ?? NullTrainingObserver.Instance;
        LivtRuntime.Initialize(config.Threads);
        Device = TrainingDevice.Parse(config.Device);
        Validate();
        RunDir = Path.GetFullPath(config.Out ?? Path.Combine("runs", $"{Stage}-{DateTime.Now:yyyyMMdd-HHmmss}"));
    }

    /// <summary>Fails fast, before any data is loaded, on settings that cannot work.</summary>
    protected virtual void Validate()
    {
        ModelPresets.Get(Config.Model);
        if (Config.Profile.ToLowerInvariant() is not ("exp" or "step"))
            throw new LivtException($"--profile {Config.Profile}: expected exp or step");
        if (Config.Attention.ToLowerInvariant() is not ("manual" or "fused"))
            throw new LivtException($"--attention {Config.Attention}: expected manual or fused");
        if (Config.BatchSize < 1) throw new LivtException($"--batch-size {Config.BatchSize}: must be at least 1");
        if (Config.AccumIter < 1) throw new LivtException($"--accum-iter {Config.AccumIter}: must be at least 1");
        if (Config.Epochs < 1) throw new LivtException($"--epochs {Config.Epochs}: must be at least 1");
        MixedPrecision.IsBf16(Config.Precision);
        _ = new LrSchedule(Config.ResolvedLr, Config.MinLr, Config.WarmupEpochs, Config.Epochs);
    }

    /// <summary>"pretrain" or "finetune".</summary>
    public abstract string Stage { get; }

    protected TrainConfig Config { get; }
    protected ITrainingObserver Observer { get; }
    protected Device Device { get; }

    /// <summary>The best validation metric so far (saved with each checkpoint so a resumed run keeps
    /// choosing its best epoch the same way).</summary>
    protected double? BestMetric { get; set; }

    /// <summary>The run folder (config.json, log.jsonl, checkpoints, model, reports).</summary>
    public string RunDir { get; }

    /// <summary>Runs the stage to the end (resuming from the run folder's checkpoint if there is one).</summary>
    public abstract RunResult Run();

    /// <summary>Loads the dataset named by the config.</summary>
    protected DatasetSplits LoadData() => DatasetCatalog.Load(new DatasetOptions
    {
        Name = Config.Dataset,
        DataDir = Config.DataDir,
        Imbalance = Config.Imbalance,
        Profile = Config.Profile.ToLowerInvariant() == "step" ? LongTailProfile.Step : LongTailProfile.Exp,
        Seed = Config.Seed,
        TrainList = Config.TrainList,
        TestList = Config.TestList,
        SkipCorrupt = Config.SkipCorrupt,
    });

    /// <summary>The architecture: the preset with the config's overrides, sized to the data.</summary>
    protected VitConfig ModelConfig(int channels, int numClasses, double dropPath)
    {
        var p = ModelPresets.Get(Config.Model);
        return p with
        {
            ImageSize = Config.InputSize ?? p.ImageSize,
            PatchSize = Config.PatchSize ?? p.PatchSize,
            EmbedDim = Config.EmbedDim ?? p.EmbedDim,
            Depth = Config.Depth ?? p.Depth,
            NumHeads = Config.NumHeads ?? p.NumHeads,
            DecoderEmbedDim = Config.DecoderEmbedDim ?? p.DecoderEmbedDim,
            DecoderDepth = Config.DecoderDepth ?? p.DecoderDepth,
            DecoderNumHeads = Config.DecoderNumHeads ?? p.DecoderNumHeads,
            InChans = channels,
            NumClasses = numClasses,
            DropPathRate = dropPath,
            NormPixLoss = Config.NormPixLoss,
            Attention = Config.Attention.ToLowerInvariant() == "fused" ? AttentionImpl.Fused : AttentionImpl.Manual,
        };
    }

    /// <summary>A loader over <paramref name="data"/> for this run.</summary>
    protected DataLoader TrainLoader(IImageDataset data, Augmentation.IImageTransform transform) =>
        new(data, transform, new LoaderOptions
        {
            BatchSize = Config.BatchSize,
            Shuffle = true,
            DropLast = true,
            Seed = Config.Seed,
            Workers = Config.Workers,
            SkipCorrupt = Config.SkipCorrupt,
        });

    /// <summary>
    /// Trains <paramref name="model"/> for the configured epochs. <paramref name="lossOf"/> computes a
    /// batch's loss (inside the step's dispose scope); <paramref name="onEpochStart"/> and
    /// <paramref name="afterEpoch"/> (which may return a validation top-1 / balanced accuracy) hook into
    /// each epoch. With <paramref name="precision"/>, <paramref name="lossOf"/> runs its working copy and
    /// <paramref name="model"/> is the fp32 master the optimizer steps. Returns the last epoch's mean
    /// training loss.
    /// </summary>
    protected double TrainEpochs(nn.Module model, DataLoader loader, optim.Optimizer optimizer,
        IReadOnlyList<ParamGroupSpec> groups, Func<Batch, int, Tensor> lossOf,
        Action<int>? onEpochStart, Func<int, (double? Top1, double? Balanced)>? afterEpoch, RunLog log,
        MixedPrecision? precision = null)
    {
        int stepsPerEpoch = Math.Min(loader.BatchesPerEpoch, Config.StepsPerEpoch ?? int.MaxValue);
        if (stepsPerEpoch <= 0)
            throw new LivtException($"{Config.Dataset}: the training set is smaller than one batch of {Config.BatchSize}: lower --batch-size");
        var schedule = new LrSchedule(Config.ResolvedLr, Config.MinLr, Config.WarmupEpochs, Config.Epochs);
        var resumed = ResumeCheckpoint.TryLoad(RunDir, Stage, model, optimizer);
        int startEpoch = resumed?.CompletedEpochs ?? 0;
        BestMetric = resumed?.BestMetric;
        if (resumed is not null) Observer.Message($"Resuming {Stage} after epoch {startEpoch} from {RunDir}");
        precision?.PushWeights();
        Observer.StageStarted(Stage, startEpoch, Config.Epochs, stepsPerEpoch, RunDir);

        double lastLoss = double.NaN;
        optimizer.zero_grad();
        for (int epoch = startEpoch; epoch < Config.Epochs; epoch++)
        {
            torch.manual_seed(Seeds.Derive(Config.Seed, epoch, Seeds.Stream.Torch));
            onEpochStart?.Invoke(epoch);
            model.train();
            precision?.Work.train();
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0, lr = 0;
            int step = 0;
            long images = 0, skippedBefore = loader.SkippedImages;
            foreach (var batch in loader.Epoch(epoch))
            {
                using (batch)
                {
                    if (step >= stepsPerEpoch) break;
                    var stepClock = Stopwatch.StartNew();
                    using var scope = torch.NewDisposeScope();
                    if (step % Config.AccumIter == 0)
                    {
                        lr = schedule.At(epoch + (double)step / stepsPerEpoch);
                        schedule.Apply(optimizer, groups, epoch + (double)step / stepsPerEpoch);
                    }
                    var loss = lossOf(batch, epoch);
                    double value = loss.item<float>();
                    if (!double.IsFinite(value))
                        throw new LivtException($"{Stage}: the loss became {value} at epoch {epoch + 1}, step {step + 1}; " +
                            (epoch > 0 ? $"the checkpoint of epoch {epoch} in {Path.Combine(RunDir, "checkpoints")} is intact (--resume {RunDir} continues from it); " : "") +
                            "try a lower --lr/--blr or --clip-grad 1.0");
                    (Config.AccumIter == 1 ? loss : loss / Config.AccumIter).backward();
                    precision?.PullGrads();
                    if ((step + 1) % Config.AccumIter == 0)
                    {
                        if (Config.ClipGrad is { } clip) nn.utils.clip_grad_norm_(model.parameters(), clip);
                        optimizer.step();
                        optimizer.zero_grad();
                        precision?.PushWeights();
                    }
                    int n = (int)batch.Images.shape[0];
                    images += n;
                    lossSum += value;
                    step++;
                    double ips = n / Math.Max(stepClock.Elapsed.TotalSeconds, 1e-9);
                    Observer.StepCompleted(new StepProgress(Stage, epoch, Config.Epochs, step, stepsPerEpoch, value, lr, ips));
                    if (step % LogEverySteps == 0)
                        log.Write("step", Stage, epoch * stepsPerEpoch + step, new Dictionary<string, double?>
                        {
                            ["epoch"] = epoch + (double)step / stepsPerEpoch, ["loss"] = value, ["lr"] = lr, ["images_per_second"] = ips,
                        });
                }
            }
            // A partial accumulation at the end of an epoch is dropped, as the official loop does.
            optimizer.zero_grad();

            if (loader.SkippedImages > skippedBefore)
                Observer.Message($"{Stage} epoch {epoch + 1}: skipped {loader.SkippedImages - skippedBefore} unreadable images (--skip-corrupt)");
            lastLoss = lossSum / Math.Max(step, 1);
            double seconds = epochClock.Elapsed.TotalSeconds;
            var (top1, balanced) = afterEpoch?.Invoke(epoch) ?? (null, null);
            ResumeCheckpoint.Save(RunDir, new ResumePoint(Stage, epoch + 1, BestMetric), model, optimizer);
            log.Write("epoch", Stage, (epoch + 1) * stepsPerEpoch, new Dictionary<string, double?>
            {
                ["epoch"] = epoch + 1, ["loss"] = lastLoss, ["lr"] = lr, ["seconds"] = seconds,
                ["images_per_second"] = images / Math.Max(seconds, 1e-9), ["val_top1"] = top1, ["val_balanced"] = balanced,
            });
            Observer.EpochCompleted(new EpochSummary(Stage, epoch + 1, Config.Epochs, lastLoss, lr, seconds,
                images / Math.Max(seconds, 1e-9), top1, balanced));
        }
        return lastLoss;
    }

    /// <summary>Writes the resolved config beside the run's outputs.</summary>
    protected void WriteConfig()
    {
        Directory.CreateDirectory(RunDir);
        ConfigResolver.Write(Config with { Out = RunDir }, Path.Combine(RunDir, "config.json"));
    }
}
