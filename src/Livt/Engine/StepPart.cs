namespace Livt.Engine;

/// <summary>The parts of a micro-step <see cref="IStepTimer"/> hears about, in order.</summary>
public enum StepPart
{
    /// <summary>The stage's loss of the batch (augmentation on tensors, forward, loss), up to its value.</summary>
    Forward,

    /// <summary>Backward and, under bf16, the working copy's gradients pulled into the master.</summary>
    Backward,

    /// <summary>On an optimizer-step boundary: the gradients averaged across the processes (nothing to do in
    /// one process), including any wait for a slower process to reach it. Not reported on an
    /// accumulation-only micro-step.</summary>
    AllReduce,

    /// <summary>On an optimizer-step boundary: clipping, the optimizer step and the bf16 refresh. Not
    /// reported on an accumulation-only micro-step.</summary>
    Optimizer,
}
