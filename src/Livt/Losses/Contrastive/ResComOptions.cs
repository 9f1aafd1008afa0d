namespace Livt.Losses.Contrastive;

/// <summary>
/// Hyper-parameters of ResCom (Zhong et al., 2022). The official repository ships no config files, so the
/// defaults are its code's where they are meaningful: temperature 0.1 and contrast weight 1
/// (<c>logger.py</c>), effective-number β 0.999 (<c>SiamBS_SPM</c>'s default; <c>logger.py</c>'s 0 would
/// switch the class-balanced weights off), 8 keys per class and 128-d projections
/// (<c>rescom/builder.py</c>). The numbers of mined positives and negatives have no meaningful default
/// there (1 and 1 in <c>logger.py</c>); ours are half the class's slots and 32.
/// </summary>
public sealed record ResComOptions
{
    /// <summary>Temperature of the contrast [temperature].</summary>
    public double Temperature { get; init; } = 0.1;

    /// <summary>Weight of the contrastive term [con_weight].</summary>
    public double ContrastWeight { get; init; } = 1.0;

    /// <summary>β of the effective-number class weights of the contrastive term; 0 weighs every class
    /// 1 [effective_num_beta].</summary>
    public double EffectiveNumberBeta { get; init; } = 0.999;

    /// <summary>Keys per class in the class-balanced queue [queue_size_per_cls].</summary>
    public int QueuePerClass { get; init; } = 8;

    /// <summary>Hardest (least similar) same-class queue keys kept per anchor [select_num_pos].</summary>
    public int HardPositives { get; init; } = 4;

    /// <summary>Hardest (most similar) other-class queue keys kept per anchor [select_num_neg].</summary>
    public int HardNegatives { get; init; } = 32;

    /// <summary>Width of the projection (read by the model) [dim_con].</summary>
    public int ProjectionDim { get; init; } = 128;

    internal void Validate(int numClasses)
    {
        const string m = "ResCom";
        ContrastiveInputs.Require(Temperature is > 0 and < double.PositiveInfinity, m, nameof(Temperature), Temperature, "finite and > 0");
        ContrastiveInputs.Require(ContrastWeight is >= 0 and < double.PositiveInfinity, m, nameof(ContrastWeight), ContrastWeight, "finite and ≥ 0");
        ContrastiveInputs.Require(EffectiveNumberBeta is >= 0 and < 1, m, nameof(EffectiveNumberBeta), EffectiveNumberBeta, "in [0, 1)");
        ContrastiveInputs.Require(QueuePerClass >= 1, m, nameof(QueuePerClass), QueuePerClass, "≥ 1");
        ContrastiveInputs.Require(HardPositives >= 0 && HardPositives <= QueuePerClass, m, nameof(HardPositives), HardPositives,
            $"in [0, {nameof(QueuePerClass)} = {QueuePerClass}]");
        long negatives = (long)QueuePerClass * (numClasses - 1);
        ContrastiveInputs.Require(HardNegatives >= 0 && HardNegatives <= negatives, m, nameof(HardNegatives), HardNegatives,
            $"in [0, {nameof(QueuePerClass)}·(C − 1) = {negatives}]");
        ContrastiveInputs.Require(ProjectionDim >= 1, m, nameof(ProjectionDim), ProjectionDim, "≥ 1");
    }
}
