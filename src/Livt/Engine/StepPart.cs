namespace Livt.Engine;

/// <summary>The parts of a micro-step <see cref="IStepTimer"/> hears about, in order.</summary>
public enum StepPart
{
    /// <summary>The stage's loss of the batch (augmentation on tensors, forward, loss), up to its value.</summary>
    Forward,

    /// <summary>Backward and, under bf16, the working copy's gradients pulled into the master.</summary>
    Backward,

    /// <summary>On an optimizer-step boundary: gradient averaging, clipping, the optimizer step and the
    /// bf16 refresh. Not reported on an accumulation-only micro-step.</summary>
    Optimizer,
}
