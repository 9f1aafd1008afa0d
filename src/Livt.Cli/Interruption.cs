using Livt.Engine;

namespace Livt.Cli;

/// <summary>Ctrl-C and SIGTERM as a clean stop for the commands that train.</summary>
internal static class Interruption
{
    /// <summary>Runs <paramref name="work"/> so that Ctrl-C/SIGTERM stop it cleanly: the run writes a
    /// checkpoint, the resume command is printed (by the process that <paramref name="shows"/> results),
    /// and the exit status is the signal's.</summary>
    public static int Run(Action<CancellationToken> work, string? resumeCommand, bool shows)
    {
        using var stop = new StopSignal();
        try
        {
            work(stop.Token);
            return 0;
        }
        catch (TrainingInterruptedException e)
        {
            if (!shows) return stop.ExitCode;
            Console.Error.WriteLine($"interrupted: {e.Message}");
            Console.Error.WriteLine(resumeCommand is null
                ? "Run the same command again to continue."
                : $"To continue: {resumeCommand} {e.RunDir}");
            return stop.ExitCode;
        }
    }
}
