using Livt.Engine;

namespace Livt.Tests.Training;

/// <summary>An observer that keeps a run's messages, for tests that check what a run said.</summary>
internal sealed class RecordingObserver : ITrainingObserver
{
    public List<string> Messages { get; } = [];
    public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) { }
    public void StepCompleted(StepProgress step) { }
    public void EpochCompleted(EpochSummary epoch) { }
    public void Message(string text) => Messages.Add(text);
}
