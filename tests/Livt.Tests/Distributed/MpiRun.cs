using System.Diagnostics;

namespace Livt.Tests.Distributed;

/// <summary>
/// Starts tests/Livt.DistributedWorker under Open MPI's mpirun: two processes on this machine,
/// loopback TCP only, one libtorch thread each, with a hard time limit after which the whole process
/// tree is killed and the test fails.
/// </summary>
public static class MpiRun
{
    public const int Processes = 2;
    private static readonly TimeSpan HardLimit = TimeSpan.FromMinutes(2);
    private static readonly Lazy<string?> Reason = new(FindProblem);

    /// <summary>Why the distributed tests cannot run here, or null when they can.</summary>
    public static string? Unavailable => Reason.Value;

    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
    {
        public string Output => $"exit code {ExitCode} after {Elapsed.TotalSeconds:0.0} s\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    /// <summary>Runs <paramref name="scenario"/> of the worker on <see cref="Processes"/> ranks.</summary>
    public static Result Worker(string scenario, string outDir, double timeoutSeconds = 60, params string[] more) =>
        Dotnet("Livt.DistributedWorker.dll", [scenario, outDir, timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), .. more]);

    /// <summary>Runs the livt command (the built livt.dll) on <see cref="Processes"/> ranks.</summary>
    public static Result Livt(params string[] args) => Dotnet("livt.dll", args);

    /// <summary>Runs <paramref name="dll"/> (beside the tests) with <paramref name="args"/> on <see cref="Processes"/> ranks.</summary>
    private static Result Dotnet(string dll, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("mpirun")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "-np", $"{Processes}", "--oversubscribe", "--bind-to", "none",
                     "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo",
                     "-x", "OMP_NUM_THREADS=1",
                     "dotnet", Path.Combine(AppContext.BaseDirectory, dll),
                 }.Concat(args))
            psi.ArgumentList.Add(a);
        // Containers and CI run as root, which mpirun refuses unless told twice.
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(HardLimit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"mpirun {dll} {string.Join(" ", args)} did not finish within {HardLimit.TotalSeconds} s and was killed\nstderr:\n{stderr.Result}");
        }
        process.WaitForExit(); // drains the redirected streams
        return new Result(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }

    private static string? FindProblem()
    {
        try
        {
            var psi = new ProcessStartInfo("mpirun", "--version") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return text.Contains("Open MPI", StringComparison.Ordinal)
                ? null
                : "mpirun is not Open MPI's (these tests use its options); install openmpi-bin or make it the mpirun alternative";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "mpirun not found: install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) to run the multi-process tests";
        }
    }
}
