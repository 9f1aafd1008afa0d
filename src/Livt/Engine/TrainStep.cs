using Livt.Configuration;
using Livt.Data;
using Livt.Optimization;
using TorchSharp;
using static TorchSharp.torch;

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

    /// <summary>Binds a stage to its optimizer (over the stage model's parameter store) and schedule.</summary>
    public TrainStep(ITrainingStage stage, FlatOptimizer optimizer, LrSchedule schedule, int accumIter, double? clipGrad, IDataParallel? parallel = null)
    {
        if (accumIter < 1) throw new ArgumentOutOfRangeException(nameof(accumIter), accumIter, "must be at least 1");
        (_stage, _optimizer, _schedule, AccumIter, _clipGrad) = (stage, optimizer, schedule, accumIter, clipGrad);
        _parallel = parallel ?? SingleProcessParallel.Instance;
    }

    /// <summary>The step a run of <paramref name="config"/> takes (the trainer's and <c>livt bench</c>'s): warm-up
    /// and cosine from the resolved learning rate over the configured epochs, accumulation and clipping.</summary>
    public static TrainStep For(TrainConfig config, ITrainingStage stage, FlatOptimizer optimizer, IDataParallel parallel) =>
        new(stage, optimizer, Schedule(config, stage, parallel), config.AccumIter, config.ClipGrad, parallel);

    private static LrSchedule Schedule(TrainConfig config, ITrainingStage stage, IDataParallel parallel)
    {
        var schedule = new LrSchedule(config.ResolvedLr(parallel.WorldSize), config.MinLr, config.WarmupEpochs, config.Epochs);
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
            Timer?.PartEnded(StepPart.Backward);
        }
        if (IsBoundary(step.Step))
        {
            _parallel.AverageGradients(_optimizer.Store);
            Timer?.PartEnded(StepPart.AllReduce);
            if (_clipGrad is { } clip) _optimizer.Store.ClipGradNorm(clip).Dispose();
            _optimizer.Step();
            _optimizer.ZeroGrad();
            _stage.Precision?.PushWeights();
            Timer?.PartEnded(StepPart.Optimizer);
        }
        return value;
    }

    /// <summary>True when micro-step <paramref name="step"/> ends an optimizer step.</summary>
    public bool IsBoundary(int step) => (step + 1) % AccumIter == 0;

    /// <summary>Drops a partial accumulation (the official loop does at the end of an epoch).</summary>
    public void DiscardPartial() => _optimizer.ZeroGrad();
}
