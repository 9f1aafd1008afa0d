using Livt.Data;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// What one kind of training (MGP, BFT, distillation, a second stage's head) contributes
/// to the shared loop of <see cref="Trainer"/>: its model, the loss of a batch, and what happens at the
/// start and end of every epoch. The trainer owns everything else — schedule, accumulation,
/// clipping, gradient synchronisation across processes, checkpoints, logging, interruption.
/// </summary>
public interface ITrainingStage
{
    /// <summary>"pretrain", "finetune", …: the name checkpoints and logs carry.</summary>
    string Name { get; }

    /// <summary>The fp32 master weights the optimizer steps and checkpoints hold.</summary>
    nn.Module Model { get; }

    /// <summary>The bf16 working copy the loss is computed with, or null in fp32.</summary>
    MixedPrecision? Precision { get; }

    /// <summary>The best validation metric so far; the trainer saves it with every checkpoint and
    /// restores it on resume, so a resumed run keeps choosing its best epoch the same way.</summary>
    double? BestMetric { get; set; }

    /// <summary>The epoch at which the stage's objective changes so much that its official code re-creates
    /// the optimizer and restarts the learning-rate schedule (TSC's switch from KCL), or null. From its first
    /// step the optimizer starts from an empty state and the schedule is a fresh cosine over the remaining
    /// epochs (<see cref="Optimization.LrSchedule.RestartEpoch"/>).</summary>
    int? RestartEpoch => null;

    /// <summary>Writes what the stage keeps besides <see cref="Model"/> and the optimizer (a meta-learner's
    /// net and its optimizer) into the checkpoint folder <paramref name="dir"/>, so a resumed run continues
    /// exactly, and returns the names of the files written (the checkpoint's manifest covers them); nothing
    /// by default.</summary>
    IReadOnlyList<string> SaveState(string dir) => [];

    /// <summary>Reads back what <see cref="SaveState"/> wrote into <paramref name="dir"/>.</summary>
    void LoadState(string dir) { }

    /// <summary>Called before the first step of <paramref name="epoch"/> (0-based), also when a
    /// resumed run starts in the middle of it.</summary>
    void BeginEpoch(int epoch);

    /// <summary>The scalar fp32 loss of one batch, computed inside the step's dispose scope; random
    /// draws come from <see cref="StepContext.Generator"/> or a seed derived from the step.</summary>
    Tensor Loss(Batch batch, StepContext step);

    /// <summary>Called after every optimizer step, on the updated weights (a projection onto a constraint,
    /// as weight balancing's MaxNorm); nothing by default.</summary>
    void AfterOptimizerStep() { }

    /// <summary>Called after the last step of <paramref name="epoch"/>, before its checkpoint:
    /// validation, best-model choice. Returns the validation top-1 and balanced accuracy when measured.</summary>
    (double? Top1, double? Balanced) EndEpoch(int epoch);
}

/// <summary>Where a step stands: its epoch, its index in the epoch and in the run, its position in the
/// run's random streams, and the run's generator, reseeded from (seed, RandomPosition) before every
/// step. RandomPosition is global step × processes + rank: every process draws its own masks and mixing
/// for its own images (the official code seeds each rank apart), and a single process draws exactly as
/// it did before data-parallel training existed (the position is then the global step).</summary>
public sealed record StepContext(int Epoch, int Step, long GlobalStep, long RandomPosition, Generator Generator);
