namespace Livt.Engine;

/// <summary>
/// Told by <see cref="TrainStep"/> when each part of a micro-step ends, for <c>livt bench</c>'s per-part
/// timing. A step without one pays a null check per part. The forward ends when the loss value has
/// been read (a wait for the device); on the CPU the other parts have finished when they are reported.
/// </summary>
public interface IStepTimer
{
    /// <summary><paramref name="part"/> of the current micro-step has just finished.</summary>
    void PartEnded(StepPart part);
}
