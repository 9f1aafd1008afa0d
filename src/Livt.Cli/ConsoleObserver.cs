using Livt.Engine;
using Spectre.Console;

namespace Livt.Cli;

/// <summary>
/// Shows a run's progress: on a terminal, a Spectre.Console progress bar per epoch with step, loss,
/// lr, images/s and ETA; when output is redirected (CI, logs), one plain line every few seconds and one
/// per epoch, so logs stay readable.
/// </summary>
internal sealed class ConsoleObserver : ITrainingObserver
{
    private readonly ProgressContext? _progress;
    private ProgressTask? _task;
    private DateTime _lastLine = DateTime.MinValue;

    public ConsoleObserver(ProgressContext? progress) => _progress = progress;

    public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir)
    {
        Message($"[bold]{stage}[/]: epochs {startEpoch + 1}–{epochs}, {stepsPerEpoch} steps each, run folder [blue]{Markup.Escape(runDir)}[/]", markup: true);
    }

    public void StepCompleted(StepProgress s)
    {
        if (_progress is not null)
        {
            if (_task is null || _task.IsFinished)
                _task = _progress.AddTask(Label(s), maxValue: s.StepsPerEpoch);
            _task.Description = Label(s);
            _task.Value = s.Step;
            return;
        }
        if (DateTime.UtcNow - _lastLine > TimeSpan.FromSeconds(15))
        {
            _lastLine = DateTime.UtcNow;
            Console.WriteLine($"  {s.Stage} epoch {s.Epoch + 1}/{s.Epochs} step {s.Step}/{s.StepsPerEpoch} loss {s.Loss:F4} lr {s.Lr:E2} " +
                $"{s.ImagesPerSecond:F0} img/s");
        }
    }

    public void EpochCompleted(EpochSummary e)
    {
        if (_task is not null) { _task.Value = _task.MaxValue; _task.StopTask(); }
        var val = e.ValBalancedAccuracy is { } b ? $", val balanced acc {b:F2} %" : "";
        Message($"{e.Stage} epoch {e.Epoch}/{e.Epochs}: loss {e.TrainLoss:F4}, lr {e.Lr:E2}, {e.ImagesPerSecond:F0} img/s, {e.Seconds:F0} s{val}");
    }

    public void Message(string text) => Message(text, markup: false);

    private void Message(string text, bool markup)
    {
        if (markup) AnsiConsole.MarkupLine(text);
        else AnsiConsole.WriteLine(text);
    }

    private static string Label(StepProgress s) =>
        $"{s.Stage} {s.Epoch + 1}/{s.Epochs}  loss {s.Loss:F4}  lr {s.Lr:E2}  {s.ImagesPerSecond:F0} img/s";

    /// <summary>Runs <paramref name="work"/> with a live progress display where the console allows it.</summary>
    public static T Run<T>(Func<ConsoleObserver, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
            return work(new ConsoleObserver(null));
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => result = work(new ConsoleObserver(ctx)));
        return result;
    }
}
