namespace Livt.Engine;

/// <summary>
/// What the training loop reads of a run's settings: its length, the learning-rate schedule, accumulation,
/// clipping, SAM, the seed the step generator is reseeded from, and how often a mid-epoch checkpoint is written.
/// The run spec maps itself onto it (<c>TrainConfig.TrainerOptions</c>), so the engine knows nothing of
/// datasets, models or losses.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Epochs of the run.</summary>
    public required int Epochs { get; init; }

    /// <summary>Cap on steps per epoch (smoke tests); null runs the loader's epoch.</summary>
    public int? StepsPerEpoch { get; init; }

    /// <summary>Batch size per step and process (for the message when the data is smaller than one batch).</summary>
    public required int BatchSize { get; init; }

    /// <summary>The training data's name, for messages.</summary>
    public required string DataName { get; init; }

    /// <summary>The peak learning rate, already scaled to the global effective batch.</summary>
    public required double Lr { get; init; }

    /// <summary>The learning rate at the end of the cosine.</summary>
    public double MinLr { get; init; }

    /// <summary>Linear warm-up epochs.</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>Micro-steps per optimizer step.</summary>
    public int AccumIter { get; init; } = 1;

    /// <summary>Clip the gradient norm to this value; null does not clip.</summary>
    public double? ClipGrad { get; init; }

    /// <summary>SAM's neighbourhood radius: every step's gradient is taken at the ascent point
    /// (<see cref="Optimization.SharpnessAwareMinimization"/>); null steps with the plain gradient.</summary>
    public double? SamRho { get; init; }

    /// <summary>The run seed the step generator is reseeded from.</summary>
    public int Seed { get; init; }

    /// <summary>Write a resumable checkpoint every this many optimizer steps within an epoch; null only at epoch ends.</summary>
    public int? SaveEverySteps { get; init; }
}
