using Livt.Configuration;
using Livt.Engine;
using Livt.Models;
using Livt.Runtime;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining;

/// <summary>What a method's objective is built from: the resolved run, its encoder, precision and device, the
/// job's processes, and the steps of an epoch (the momentum schedules run over the whole run's steps).</summary>
/// <param name="Config">The resolved run spec.</param>
/// <param name="Model">The encoder (and MAE decoder) shape.</param>
/// <param name="Precision">fp32 or bf16, decided once for the run.</param>
/// <param name="Device">Where the model lives.</param>
/// <param name="Parallel">The job's processes (the gather of negatives, synchronised BatchNorm).</param>
/// <param name="StepsPerEpoch">Loader steps of one epoch (micro-steps, as the trainer counts them).</param>
/// <param name="Observer">Where the method reports what it loaded (a teacher).</param>
internal sealed record PretrainingSetup(TrainConfig Config, VitConfig Model, PrecisionChoice Precision, Device Device, IDataParallel Parallel,
    int StepsPerEpoch, ITrainingObserver Observer)
{
    /// <summary>Optimizer steps of the whole run (a partial accumulation at an epoch's end is dropped).</summary>
    public long OptimizerSteps => (long)Config.Epochs * (StepsPerEpoch / Config.AccumIter);

    /// <summary>The run's position in [0, 1] at a micro-step: epochs done (fractional) over the run's epochs.</summary>
    public double Progress(StepContext step) => (double)step.GlobalStep / StepsPerEpoch / Config.Epochs;
}
