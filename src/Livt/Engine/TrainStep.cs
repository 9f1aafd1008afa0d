using Livt.Data;
using Livt.Optimization;
using TorchSharp;

namespace Livt.Engine;

/// <summary>
/// One micro-step of training, the same code for a run and for <c>livt bench</c>: the learning rate
/// of the step's point in the schedule, the stage's loss, backward (scaled for accumulation), and on
/// every <see cref="AccumIter"/>-th micro-step the gradient average across processes, clipping, the
/// optimizer step and, under bf16, the refresh of the working copy.
/// </summary>
public sealed class TrainStep
{
    private readonly ITrainingStage _stage;
    private readonly FlatOptimizer _optimizer;
    private readonly LrSchedule _schedule;
    private readonly double? _clipGrad;
    private readonly IDataParallel _parallel;
    private readonly SharpnessAwareMinimization? _sam;

    /// <summary>Binds a stage to its optimizer (over the stage model's parameter store) and schedule; with
    /// <paramref name="sam"/> every step's gradient is SAM's (one batch per optimizer step).</summary>
    public TrainStep(ITrainingStage stage, FlatOptimizer optimizer, LrSchedule schedule, int accumIter, double? clipGrad, IDataParallel? parallel = null,
        SharpnessAwareMinimization? sam = null)
    {
        if (accumIter < 1) throw new ArgumentOutOfRangeException(nameof(accumIter), accumIter, "must be at least 1");
        if (sam is not null && accumIter != 1) throw new ArgumentException("SAM takes its ascent step on each batch: accumulation must be 1", nameof(sam));
        (_stage, _optimizer, _schedule, AccumIter, _clipGrad, _sam) = (stage, optimizer, schedule, accumIter, clipGrad, sam);
        _parallel = parallel ?? SingleProcessParallel.Instance;
    }

    /// <summary>The step a run of <paramref name="config"/> takes (the trainer's and <c>livt bench</c>'s): warm-up
    /// and cosine from its learning rate over its epochs, accumulation, clipping, and SAM with a radius.</summary>
    public static TrainStep For(TrainerOptions config, ITrainingStage stage, FlatOptimizer optimizer, IDataParallel parallel) =>
        new(stage, optimizer, Schedule(config, stage), config.AccumIter, config.ClipGrad, parallel,
            config.SamRho is { } rho ? new SharpnessAwareMinimization(rho) : null);

    private static LrSchedule Schedule(TrainerOptions config, ITrainingStage stage)
    {
        var schedule = new LrSchedule(config.Lr, config.MinLr, config.WarmupEpochs, config.Epochs);
        if (stage.RestartEpoch is not { } restart) return schedule;
        if (restart <= config.WarmupEpochs)
            throw new LivtException($"--warmup-epochs {config.WarmupEpochs}: {stage.Name} restarts its optimizer and schedule at epoch {restart + 1} " +
                $"of {config.Epochs}; the warm-up must end before (lower --warmup-epochs or raise --epochs)");
        return schedule with { RestartEpoch = restart };
    }

    /// <summary>Hears when each part of a micro-step ends (<c>livt bench</c>); null in a run.</summary>
    public IStepTimer? Timer { get; set; }

    /// <summary>Micro-steps per optimizer step.</summary>
    public int AccumIter { get; }

    /// <summary>The learning rate set at the last optimizer-step boundary.</summary>
    public double Lr { get; private set; }

    /// <summary>
    /// Runs micro-step <paramref name="step"/>.Step of its epoch at fractional epoch
    /// <paramref name="progress"/>. Returns the loss; a non-finite loss returns before backward, leaving
    /// the weights as they were. An empty batch (every image unreadable, <c>--skip-corrupt</c>) adds no
    /// gradient and returns NaN, but still counts as a micro-step and still ends an optimizer step at a
    /// boundary, so every process takes the same steps and joins the same gradient averaging (a window in
    /// which no process had an image steps with zero gradients, as PyTorch 1.x's zero-filled gradients do).
    /// </summary>
    public double Run(Batch batch, StepContext step, double progress)
    {
        if (step.Step % AccumIter == 0)
        {
            Lr = _schedule.At(progress);
            _schedule.Apply(_optimizer, progress);
        }
        double value = double.NaN;
        if (batch.Count > 0)
        {
            var loss = _stage.Loss(batch, step);
            value = loss.item<float>();
            Timer?.PartEnded(StepPart.Forward);
            if (!double.IsFinite(value)) return value;
            using var accumulation = ((double)AccumIter).ToScalar();
            (AccumIter == 1 ? loss : loss.div(accumulation)).backward();
            _stage.Precision?.PullGrads();
            if (_sam is not null) value = SharpnessAware(batch, step);
            if (!double.IsFinite(value)) return value;
            Timer?.PartEnded(StepPart.Backward);
        }
        else if (_sam is not null) SharpnessAware(batch, step);
        if (IsBoundary(step.Step))
        {
            _parallel.AverageGradients(_optimizer.Store);
            Timer?.PartEnded(StepPart.AllReduce);
            if (_clipGrad is { } clip) _optimizer.Store.ClipGradNorm(clip).Dispose();
            _optimizer.Step();
            _stage.AfterOptimizerStep();
            _optimizer.ZeroGrad();
            _stage.Precision?.PushWeights();
            Timer?.PartEnded(StepPart.Optimizer);
        }
        return value;
    }

    /// <summary>
    /// SAM's second pass: the first gradient, averaged over the processes as DDP averages every backward,
    /// gives the ascent point, where the stage's loss of the same batch (the same Mixup, seeded by position;
    /// fresh drop-path draws) is taken again; the weights go back and the second gradient stays for the
    /// optimizer. Returns the second loss, which sam.py's loop reports; a non-finite one leaves the weights
    /// as they were. A process with an empty batch still joins the averaging and the ascent, so every
    /// process's weights stay the same.
    /// </summary>
    private double SharpnessAware(Batch batch, StepContext step)
    {
        _parallel.AverageGradients(_optimizer.Store);
        _sam!.FirstStep(_optimizer.Store);
        _stage.Precision?.PushWeights();
        try
        {
            if (batch.Count == 0) return double.NaN;
            var loss = _stage.Loss(batch, step);
            double value = loss.item<float>();
            if (!double.IsFinite(value)) return value;
            loss.backward();
            _stage.Precision?.PullGrads();
            return value;
        }
        finally
        {
            _sam.SecondStep(_optimizer.Store);
            _stage.Precision?.PushWeights();
        }
    }

    /// <summary>True when micro-step <paramref name="step"/> ends an optimizer step.</summary>
    public bool IsBoundary(int step) => (step + 1) % AccumIter == 0;

    /// <summary>Drops a partial accumulation (the official loop does at the end of an epoch).</summary>
    public void DiscardPartial() => _optimizer.ZeroGrad();
}
