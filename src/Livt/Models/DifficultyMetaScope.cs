namespace Livt.Models;

/// <summary>Which parameters Difficulty-Net's meta step takes its virtual step on.</summary>
public enum DifficultyMetaScope
{
    /// <summary>The whole model, as the official code's <c>model_cpy</c>/<c>pseudo_net</c> (the default).</summary>
    Model,

    /// <summary>The head alone, on the encoder's features of the batch (no gradient through the encoder):
    /// a cheaper approximation, a few times faster per step.</summary>
    Head,
}
