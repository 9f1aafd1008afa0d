namespace Livt.Engine;

/// <summary>One optimisation step as reported to observers.</summary>
public sealed record StepProgress(string Stage, int Epoch, int Epochs, int Step, int StepsPerEpoch,
    double Loss, double Lr, double ImagesPerSecond);

/// <summary>One finished epoch.</summary>
public sealed record EpochSummary(string Stage, int Epoch, int Epochs, double TrainLoss, double Lr,
    double Seconds, double ImagesPerSecond, double? ValTop1, double? ValBalancedAccuracy);

/// <summary>
/// What a run reports while it works. The library never writes to the console; the CLI shows these
/// with progress bars, tests may record them.
/// </summary>
public interface ITrainingObserver
{
    void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir);
    void StepCompleted(StepProgress step);
    void EpochCompleted(EpochSummary epoch);
    void Message(string text);
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NullTrainingObserver : ITrainingObserver
{
    public static NullTrainingObserver Instance { get; } = new();
    public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) { }
    public void StepCompleted(StepProgress step) { }
    public void EpochCompleted(EpochSummary epoch) { }
    public void Message(string text) { }
}
