using System.Text.Json.Nodes;

namespace Livt.Tests.Distributed;

/// <summary><c>livt bench train</c> under mpirun: two ranks, one thread each, a few steps of the quick-start model.</summary>
public class DataParallelBenchTests
{
    [MpiFact]
    public void BenchTrainUnderMpirunReportsTheWholeJobAndItsAllReduceTimeFromRankZeroOnly()
    {
        var dir = Training.TinyRuns.TempDir();
        var path = Path.Combine(dir, "bench.json");
        // --json: Open MPI gives the ranks a pseudo-terminal for stdout, where .NET's console writes terminal escapes.
        var result = MpiRun.Livt("bench", "train", "--threads", "1", "--batch-size", "8", "--steps", "3", "--warmup", "1", "--precision", "fp32",
            "--json", path);
        Assert.True(result.ExitCode == 0, result.Output);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal(2, json["processes"]!.GetValue<int>());
        Assert.Equal("mpi", json["backend"]!.GetValue<string>());
        double perProcess = json["images_per_second"]!.GetValue<double>();
        Assert.Equal(2 * perProcess, json["job_images_per_second"]!.GetValue<double>(), 6);
        double allReduceMs = json["breakdown"]!["all_reduce_ms"]!.GetValue<double>();
        Assert.True(allReduceMs > 0, result.Output);
        double share = json["all_reduce_share"]!.GetValue<double>();
        Assert.True(share is > 0 and < 1, $"all-reduce share {share}\n{result.Output}");
        // Rank 0 alone reports: its progress and summary lines once each, and no JSON on stdout from rank 1.
        var lines = result.Stderr.Split('\n');
        Assert.Single(lines, line => line.Contains("on each of 2 processes (mpi)", StringComparison.Ordinal));
        Assert.Single(lines, line => line.StartsWith("2 processes (mpi): ", StringComparison.Ordinal) && line.Contains("images/s for the job", StringComparison.Ordinal));
        Assert.DoesNotContain("\"mode\"", result.Stdout, StringComparison.Ordinal);
        Directory.Delete(dir, recursive: true);
    }

    [MpiFact]
    public void BenchInferUnderMpirunRefusesSayingOnlyTrainingRunsDataParallel()
    {
        var result = MpiRun.Livt("bench", "infer", "--threads", "1", "--batch-size", "8", "--steps", "1", "--warmup", "0");
        Assert.True(result.ExitCode != 0, result.Output);
        Assert.Contains("bench infer times one process; run it without mpirun/srun", result.Stderr);
    }
}
