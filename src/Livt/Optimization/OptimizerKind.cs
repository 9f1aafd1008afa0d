namespace Livt.Optimization;

/// <summary>Which optimizer trains a stage.</summary>
public enum OptimizerKind
{
    /// <summary><see cref="AdamW"/>, as LiVT, MAE and DeiT train.</summary>
    Adamw,

    /// <summary><see cref="Sgd"/> with momentum and L2 weight decay, as the official recipes of the contrastive methods
    /// (GPaCo/PaCo, BCL, TSC), of decoupling and of the CNN baselines train.</summary>
    Sgd,
}
