namespace Livt.Engine;

/// <summary>
/// What a run is given from outside the library's training code: where it reports, which processes
/// it trains with, and when it must stop. The CLI maps Ctrl-C and SIGTERM to <see cref="Stop"/>.
/// </summary>
public sealed record RunContext
{
    /// <summary>Receives progress; null reports nothing.</summary>
    public ITrainingObserver Observer { get; init; } = NullTrainingObserver.Instance;

    /// <summary>The processes training one model; one process by default.</summary>
    public IDataParallel Parallel { get; init; } = SingleProcess.Instance;

    /// <summary>Cancelled when the run must stop: the current step finishes, a checkpoint is written,
    /// and <see cref="TrainingInterruptedException"/> says how to resume.</summary>
    public CancellationToken Stop { get; init; }
}
