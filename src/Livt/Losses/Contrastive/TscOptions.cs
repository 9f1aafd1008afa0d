namespace Livt.Losses.Contrastive;

/// <summary>
/// Hyper-parameters of TSC (Li et al., CVPR 2022), as the official ImageNet-LT command of
/// <c>LTH14/targeted-supcon</c> sets them: temperature 0.07, KCL with 6 positives from the queue, targets
/// once per class (<c>--tr 1</c>), kept apart from the sampled positives (<c>--sep_t</c>), target weight
/// 0.2, a momentum encoder (m 0.999) and a 65536-key queue, 128-d projections; the first half of the
/// epochs trains KCL alone, the second half TSC. Targets: Adam (lr 1e-3) on the uniformity loss at
/// temperature 0.07 for 10 000 steps (<c>target_generation.py</c>); class centroids move by EMA 0.9.
/// </summary>
public sealed record TscOptions
{
    /// <summary>Temperature of the contrast [--moco-t].</summary>
    public double Temperature { get; init; } = 0.07;

    /// <summary>Weight of the target term [--tw].</summary>
    public double TargetWeight { get; init; } = 0.2;

    /// <summary>Positives drawn per anchor from the queue's same-class keys; 0 takes them all [--K].</summary>
    public int NumPositives { get; init; } = 6;

    /// <summary>Keys in the FIFO queue (read by the stage) [--moco-k].</summary>
    public int QueueSize { get; init; } = 65536;

    /// <summary>Momentum of the key encoder (read by the stage) [--moco-m].</summary>
    public double EncoderMomentum { get; init; } = 0.999;

    /// <summary>Width of the projection (read by the model) [--moco-dim].</summary>
    public int ProjectionDim { get; init; } = 128;

    /// <summary>Fraction of the epochs trained with KCL before the targets switch on (the official
    /// script: half, with the optimizer re-created at the switch).</summary>
    public double KclFraction { get; init; } = 0.5;

    /// <summary>Weight of the old centroid in the per-step class-centroid EMA.</summary>
    public double CentroidMomentum { get; init; } = 0.9;

    /// <summary>Adam steps of the target optimisation.</summary>
    public int TargetIterations { get; init; } = 10000;

    /// <summary>Adam learning rate of the target optimisation.</summary>
    public double TargetLearningRate { get; init; } = 1e-3;

    /// <summary>Temperature of the uniformity loss the targets minimise.</summary>
    public double TargetTemperature { get; init; } = 0.07;

    internal void Validate()
    {
        const string m = "TSC";
        ContrastiveInputs.Require(Temperature is > 0 and < double.PositiveInfinity, m, nameof(Temperature), Temperature, "finite and > 0");
        ContrastiveInputs.Require(TargetWeight is >= 0 and < double.PositiveInfinity, m, nameof(TargetWeight), TargetWeight, "finite and ≥ 0");
        ContrastiveInputs.Require(NumPositives >= 0, m, nameof(NumPositives), NumPositives, "≥ 0");
        ContrastiveInputs.Require(QueueSize >= 1, m, nameof(QueueSize), QueueSize, "≥ 1");
        ContrastiveInputs.Require(EncoderMomentum is >= 0 and <= 1, m, nameof(EncoderMomentum), EncoderMomentum, "in [0, 1]");
        ContrastiveInputs.Require(ProjectionDim >= 1, m, nameof(ProjectionDim), ProjectionDim, "≥ 1");
        ContrastiveInputs.Require(KclFraction is >= 0 and <= 1, m, nameof(KclFraction), KclFraction, "in [0, 1]");
        ContrastiveInputs.Require(CentroidMomentum is >= 0 and < 1, m, nameof(CentroidMomentum), CentroidMomentum, "in [0, 1)");
        ContrastiveInputs.Require(TargetIterations >= 1, m, nameof(TargetIterations), TargetIterations, "≥ 1");
        ContrastiveInputs.Require(TargetLearningRate is > 0 and < double.PositiveInfinity, m, nameof(TargetLearningRate), TargetLearningRate, "finite and > 0");
        ContrastiveInputs.Require(TargetTemperature is > 0 and < double.PositiveInfinity, m, nameof(TargetTemperature), TargetTemperature, "finite and > 0");
    }
}
