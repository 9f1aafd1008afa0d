namespace Livt.Tests.Distributed;

/// <summary>A process that stops taking part ends the whole job with a message instead of a hang.</summary>
public class MpiFailureTests
{
    [MpiFact]
    public void ARankThatHangsOutsideTheCollectiveIsCaughtByTheTimeout()
    {
        var result = Run("stall", timeoutSeconds: 1);
        Assert.Contains("error: rank 0 of 2: a barrier did not complete within 1 s", result.Stderr);
        AssertTheSleeperWasEndedToo(result);
    }

    [MpiFact]
    public void ARankThatFailsEndsTheJobAtOnce()
    {
        // The timeout is far away: mpirun itself ends the job when a process exits with an error.
        var result = Run("exit", timeoutSeconds: 100);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("exited with non-zero status", result.Stderr);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), result.Output);
    }

    [MpiFact]
    public void ARankThatFinishesWhileAnotherIsStuckDoesNotWaitForeverInFinalize()
    {
        var result = Run("finish", timeoutSeconds: 1);
        Assert.Contains("error: rank 1: MPI_Finalize (waiting for every process to finish) did not complete within 1 s", result.Stderr);
        AssertTheSleeperWasEndedToo(result);
    }

    // The other rank sleeps for 10 minutes, so a job that ends this early was aborted as a whole. Open
    // MPI's own "MPI_ABORT was invoked" banner is not asserted: 4.1.4 sometimes loses it
    // ("ORTE_ERROR_LOG: Data unpack had inadequate space ... show_help.c").
    private static void AssertTheSleeperWasEndedToo(MpiRun.Result result) =>
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), result.Output);

    private static MpiRun.Result Run(string scenario, double timeoutSeconds)
    {
        var dir = Training.TinyRuns.TempDir();
        try
        {
            var result = MpiRun.Worker(scenario, dir, timeoutSeconds);
            Assert.True(result.ExitCode != 0, result.Output);
            return result;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
