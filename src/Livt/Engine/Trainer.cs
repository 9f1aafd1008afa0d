using System.Diagnostics;
using Livt.Data;
using Livt.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// The epoch loop every stage shares (MAE's <c>engine_*.py</c> per epoch, driven as in
/// <c>main_*.py</c>): a dispose scope and a reseeded generator around every step, the step itself
/// (<see cref="TrainStep"/>), a NaN guard, logging, resumable checkpoints at every epoch end and every
/// <c>--save-every-steps</c> optimizer steps, and a clean stop on request. Its seams: the stage
/// (<see cref="ITrainingStage"/>), the processes (<see cref="IDataParallel"/>: gradient averaging,
/// the sampler shard is cut where the loader is built), the run's folder (<see cref="RunFolder"/>: only the
/// writer writes) and the stop token.
/// </summary>
public sealed class Trainer
{
    /// <summary>How often (in steps) a step line goes to log.jsonl.</summary>
    private const int LogEverySteps = 20;

    private readonly TrainerOptions _config;
    private readonly RunFolder _folder;
    private readonly ITrainingStage _stage;
    private readonly IBatchSource _loader;
    private readonly FlatOptimizer _optimizer;
    private readonly RunContext _context;

    /// <summary>Prepares training of <paramref name="stage"/> with the loader and optimizer built for it;
    /// its log and checkpoints go to <paramref name="folder"/>.</summary>
    public Trainer(TrainerOptions config, RunFolder folder, ITrainingStage stage, IBatchSource loader, FlatOptimizer optimizer, RunContext context)
    {
        (_config, _folder, _stage, _loader, _optimizer, _context) = (config, folder, stage, loader, optimizer, context);
    }

    private ITrainingObserver Observer => _context.Observer;
    private IDataParallel Parallel => _context.Parallel;

    /// <summary>Steps per epoch: the loader's batches, capped by <c>steps_per_epoch</c>.</summary>
    public int StepsPerEpoch => Math.Min(_loader.BatchesPerEpoch, _config.StepsPerEpoch ?? int.MaxValue);

    /// <summary>Trains to the configured epoch count, continuing from the run folder's checkpoint if
    /// there is one. Returns the last epoch's mean training loss.</summary>
    /// <exception cref="TrainingInterruptedException">The stop token fired; a checkpoint was written.</exception>
    public double Run()
    {
        int stepsPerEpoch = StepsPerEpoch;
        if (stepsPerEpoch <= 0)
            throw new LivtException($"{_config.DataName}: the training set is smaller than one batch of {_config.BatchSize}: lower --batch-size");
        var step = TrainStep.For(_config, _stage, _optimizer, Parallel);
        var model = _stage.Model;
        var resumed = Resume(stepsPerEpoch);
        int startEpoch = resumed?.Epoch ?? 0, startStep = resumed?.Step ?? 0;

        using var generator = new Generator((ulong)_config.Seed);
        double lastLoss = double.NaN;
        _optimizer.ZeroGrad();
        for (int epoch = startEpoch; epoch < _config.Epochs; epoch++)
        {
            int first = epoch == startEpoch ? startStep : 0;
            var tally = new EpochTally
            {
                LossSum = epoch == startEpoch ? resumed?.EpochLoss ?? 0 : 0,
                Images = epoch == startEpoch ? resumed?.EpochImages ?? 0 : 0,
            };
            // The official code re-creates the optimizer here; a run resumed later in this epoch loaded the fresh state.
            if (epoch == _stage.RestartEpoch && first == 0)
            {
                _optimizer.Reset();
                Observer.Message($"{_stage.Name} epoch {epoch + 1}: the optimizer starts from an empty state and the learning-rate schedule restarts (a new " +
                    $"cosine over the last {_config.Epochs - epoch} epochs)");
            }
            _stage.BeginEpoch(epoch);
            model.train();
            _stage.Precision?.Work.train();
            var epochClock = Stopwatch.StartNew();
            long skippedBefore = _loader.SkippedImages;
            int s = RunSteps(step, generator, epoch, first, stepsPerEpoch, tally);
            // A partial accumulation at the end of an epoch is dropped, as the official loop does.
            step.DiscardPartial();
            lastLoss = FinishEpoch(step, epoch, s, stepsPerEpoch, tally, skippedBefore, epochClock);
            if (epoch + 1 < _config.Epochs && StopRequested())
                throw new TrainingInterruptedException(_stage.Name, _folder.Path, epoch + 1, 0);
        }
        return lastLoss;
    }

    /// <summary>What an epoch has added up so far; a resumed epoch starts from its checkpoint's sums.</summary>
    private sealed class EpochTally
    {
        public double LossSum { get; set; }

        /// <summary>Images of the epoch, its part before a resume included: what a checkpoint records.</summary>
        public long Images { get; set; }

        /// <summary>Images this process trained on in the epoch since the run (re)started, for the throughput.</summary>
        public long ImagesNow { get; set; }
    }

    /// <summary>Loads the run folder's checkpoint if there is one, agrees on it and on the weights with the
    /// other processes, and announces the stage.</summary>
    private ResumePoint? Resume(int stepsPerEpoch)
    {
        var model = _stage.Model;
        var resumed = ResumeCheckpoint.TryLoad(_folder.Path, _stage.Name, model, _optimizer, Observer.Message, _stage.LoadState);
        AgreeOnResumePoint(resumed);
        // Rank 0's weights everywhere, before the bf16 working copy is refreshed from them below.
        Parallel.BroadcastParameters(model);
        _stage.BestMetric = resumed?.BestMetric;
        int startEpoch = resumed?.Epoch ?? 0, startStep = resumed?.Step ?? 0;
        if (resumed is not null)
            Observer.Message($"Resuming {_stage.Name} at epoch {startEpoch + 1}{(startStep > 0 ? $", step {startStep}" : "")} from {_folder.Path}");
        _stage.Precision?.PushWeights();
        Observer.StageStarted(_stage.Name, startEpoch, _config.Epochs, stepsPerEpoch, _folder.Path);
        return resumed;
    }

    /// <summary>Trains epoch <paramref name="epoch"/> from step <paramref name="first"/>; returns the step it reached.</summary>
    private int RunSteps(TrainStep step, Generator generator, int epoch, int first, int stepsPerEpoch, EpochTally tally)
    {
        int s = first, optimizerSteps = 0;
        foreach (var batch in _loader.Epoch(epoch, first))
        {
            using (batch)
            {
                if (s >= stepsPerEpoch) break;
                var stepClock = Stopwatch.StartNew();
                long globalStep = (long)epoch * stepsPerEpoch + s;
                long randomPosition = globalStep * Parallel.WorldSize + Parallel.Rank;
                double value;
                using (torch.NewDisposeScope())
                {
                    generator.manual_seed(Seeds.Derive(_config.Seed, randomPosition, Seeds.Stream.Torch));
                    value = step.Run(batch, new StepContext(epoch, s, globalStep, randomPosition, generator), epoch + (double)s / stepsPerEpoch);
                }
                int n = (int)batch.Images.shape[0];
                if (n > 0 && !double.IsFinite(value))
                    throw new LivtException($"{_stage.Name}: the loss became {value} at epoch {epoch + 1}, step {s + 1}; " +
                        (epoch > 0 || first > 0
                            ? $"the last checkpoint in {Path.Combine(_folder.Path, "checkpoints")} is intact (--resume {_folder.Path} continues from it); "
                            : "") +
                        "try a lower --lr/--blr or --clip-grad 1.0");
                tally.Images += n;
                tally.ImagesNow += n;
                if (n > 0) tally.LossSum += value;
                bool boundary = step.IsBoundary(s);
                s++;
                double ips = n / Math.Max(stepClock.Elapsed.TotalSeconds, 1e-9);
                Observer.StepCompleted(new StepProgress(_stage.Name, epoch, _config.Epochs, s, stepsPerEpoch, value, step.Lr, ips));
                if (s % LogEverySteps == 0)
                    _folder.Log?.Write("step", _stage.Name, epoch * stepsPerEpoch + s, new Dictionary<string, double?>
                    {
                        ["epoch"] = epoch + (double)s / stepsPerEpoch, ["loss"] = value, ["lr"] = step.Lr, ["images_per_second"] = ips,
                    });
                if (!boundary || s >= stepsPerEpoch) continue;
                optimizerSteps++;
                bool stop = StopRequested();
                if (stop || (_config.SaveEverySteps is { } every && optimizerSteps % every == 0))
                    Save(new ResumePoint(_stage.Name, epoch, s, _stage.BestMetric, tally.LossSum, tally.Images, Parallel.WorldSize));
                if (stop) throw new TrainingInterruptedException(_stage.Name, _folder.Path, epoch, s);
            }
        }
        return s;
    }

    /// <summary>Reports and checkpoints a finished epoch; returns its mean training loss.</summary>
    private double FinishEpoch(TrainStep step, int epoch, int s, int stepsPerEpoch, EpochTally tally, long skippedBefore, Stopwatch epochClock)
    {
        // Summed over the processes: the one that reports is not necessarily the one that skipped.
        long skipped = (long)Parallel.Sum(_loader.SkippedImages - skippedBefore);
        if (skipped > 0)
            Observer.Message($"{_stage.Name} epoch {epoch + 1}: skipped {skipped} unreadable images (--skip-corrupt)");
        int steps = Math.Max(s, 1);
        double lastLoss = tally.LossSum / steps;
        double seconds = epochClock.Elapsed.TotalSeconds;
        var (top1, balanced) = _stage.EndEpoch(epoch);
        Save(new ResumePoint(_stage.Name, epoch + 1, 0, _stage.BestMetric, WorldSize: Parallel.WorldSize));
        double ips2 = tally.ImagesNow * Parallel.WorldSize / Math.Max(seconds, 1e-9);
        _folder.Log?.Write("epoch", _stage.Name, (epoch + 1) * stepsPerEpoch, new Dictionary<string, double?>
        {
            ["epoch"] = epoch + 1, ["loss"] = lastLoss, ["lr"] = step.Lr, ["seconds"] = seconds,
            ["images_per_second"] = ips2, ["val_top1"] = top1, ["val_balanced"] = balanced,
        });
        Observer.EpochCompleted(new EpochSummary(_stage.Name, epoch + 1, _config.Epochs, lastLoss, step.Lr, seconds, ips2, top1, balanced));
        return lastLoss;
    }

    /// <summary>Whether any process was asked to stop; all processes agree, so they stop at the same step.</summary>
    private bool StopRequested()
    {
        if (Parallel.Group.WorldSize == 1) return _context.Stop.IsCancellationRequested;
        using var votes = torch.tensor(new[] { _context.Stop.IsCancellationRequested ? 1.0 : 0.0 });
        Parallel.Group.AllReduce(votes);
        return votes.item<double>() > 0;
    }

    /// <summary>
    /// Every process must continue from the same checkpoint (a run folder on a shared file system) with
    /// the number of processes that wrote it; otherwise all of them stop with the same message rather
    /// than train apart or wait for each other until the timeout.
    /// </summary>
    private void AgreeOnResumePoint(ResumePoint? resumed)
    {
        if (resumed is not null && resumed.WorldSize != Parallel.WorldSize)
            throw new LivtException($"--resume {_folder.Path}: the run was trained by {resumed.WorldSize} process(es), this job has {Parallel.WorldSize}: " +
                $"the global batch (--batch-size x --accum-iter x processes), the learning rate and each process's data would change; resume with " +
                    $"{resumed.WorldSize}");
        if (Parallel.Group.WorldSize == 1) return;
        using var mine = torch.tensor(new long[] { resumed is null ? -1 : resumed.Epoch, resumed?.Step ?? 0 });
        using var all = Parallel.Group.AllGather(mine);
        var points = all.data<long>().ToArray();
        var seen = Enumerable.Range(0, Parallel.Group.WorldSize)
            .Select(r => points[2 * r] < 0 ? "no checkpoint" : $"epoch {points[2 * r]} step {points[2 * r + 1]}").ToArray();
        if (seen.Distinct().Count() > 1)
            throw new LivtException($"{_folder.Path}: the processes found different checkpoints " +
                $"({string.Join("; ", seen.Select((p, r) => $"rank {r}: {p}"))}): " +
                "every process must see the same run folder (put --out on a file system all machines share)");
    }

    private void Save(ResumePoint point)
    {
        _folder.Write(dir => ResumeCheckpoint.Save(dir, point, _stage.Model, _optimizer, _stage.SaveState));
    }
}
