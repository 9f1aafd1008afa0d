using Livt.Interop;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Distributed;

/// <summary>One real two-process run of the worker's "values" scenario, shared by the tests that check it.</summary>
public sealed class ValuesRun : IDisposable
{
    public ValuesRun()
    {
        if (MpiRun.Unavailable is not null) return;
        LivtRuntime.Initialize();
        Dir = Training.TinyRuns.TempDir();
        Result = MpiRun.Worker("values", Dir);
        if (Result.ExitCode == 0)
            Ranks = Enumerable.Range(0, MpiRun.Processes).Select(r => SafeTensors.Read(Path.Combine(Dir, $"rank{r}.safetensors"))).ToArray();
    }

    public string Dir { get; } = "";
    public MpiRun.Result? Result { get; }
    public SafeTensorsFile[] Ranks { get; } = [];

    /// <summary>Every rank's tensors, after checking that the run succeeded.</summary>
    public IReadOnlyDictionary<string, Tensor>[] Tensors()
    {
        Assert.True(Result!.ExitCode == 0, Result.Output);
        return Ranks.Select(r => r.Tensors).ToArray();
    }

    public void Dispose()
    {
        foreach (var rank in Ranks) rank.Dispose();
        if (Dir.Length > 0) Directory.Delete(Dir, recursive: true);
    }
}

/// <summary>Collectives, parameter broadcast and gradient averaging across two real MPI processes.</summary>
public class MpiCollectiveTests(ValuesRun run) : IClassFixture<ValuesRun>
{
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();

    private static void AssertSame(Tensor expected, Tensor actual, string what) =>
        Assert.True(Same(expected, actual), $"{what}: expected {expected.ToString(torch.julia)} got {actual.ToString(torch.julia)}");

    [MpiFact]
    public void AllReduceSumsEveryRanksValuesExactly()
    {
        var ranks = run.Tensors();
        Assert.Equal("mpi", run.Ranks[0].Metadata["backend"]);
        foreach (var kind in new[] { "f32", "f64", "i64" })
        {
            using var sum = ranks[0][$"allreduce_{kind}_in"] + ranks[1][$"allreduce_{kind}_in"];
            foreach (var rank in ranks) AssertSame(sum, rank[$"allreduce_{kind}_out"], $"all-reduce {kind}");
        }
        // The reduced view was row 1 of a 3×4 tensor holding the rank: only that row changes.
        using var expected0 = torch.tensor(new float[] { 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0 }).reshape(3, 4);
        AssertSame(expected0, ranks[0]["allreduce_view_out"], "all-reduce of a view on rank 0");
        using var expected1 = torch.ones(3, 4);
        AssertSame(expected1, ranks[1]["allreduce_view_out"], "all-reduce of a view on rank 1");
    }

    [MpiFact]
    public void BroadcastCopiesTheRootsTensorAndAllGatherConcatenatesInRankOrder()
    {
        var ranks = run.Tensors();
        var root = ranks[^1]["broadcast_in"]; // the worker broadcasts from the last rank
        Assert.False(Same(ranks[0]["broadcast_in"], root));
        foreach (var rank in ranks) AssertSame(root, rank["broadcast_out"], "broadcast");

        using var gathered = torch.cat(ranks.Select(r => r["allgather_in"]).ToArray(), 0);
        foreach (var rank in ranks) AssertSame(gathered, rank["allgather_out"], "all-gather");
    }

    [MpiFact]
    public void BroadcastParametersLeavesEveryRankWithRankZerosWeightsAndBuffers()
    {
        var ranks = run.Tensors();
        var names = ranks[0].Keys.Where(k => k.StartsWith("init", StringComparison.Ordinal)).ToArray();
        Assert.Contains("init_buffer/norm.num_batches_tracked", names); // an int64 buffer
        Assert.Contains(names, n => !Same(ranks[0][n], ranks[1][n])); // they did start apart
        foreach (var name in names)
        {
            string synced = name.Replace("init", "synced");
            foreach (var rank in ranks) AssertSame(ranks[0][name], rank[synced], synced);
        }
    }

    [MpiFact]
    public void AveragedGradientsAreTheMeanOverRanksOnEveryRank()
    {
        var ranks = run.Tensors();
        Assert.True(int.Parse(run.Ranks[0].Metadata["buckets"]) > 3, "the tiny bucket size should give several all-reduces");
        var parameters = ranks[0].Keys.Where(k => k.StartsWith("init/", StringComparison.Ordinal)).Select(k => k["init/".Length..]).ToArray();
        foreach (var name in parameters)
        {
            using var mean = ranks.Select(r => r[$"grad/{name}"]).Aggregate((a, b) => a + b) / ranks.Length;
            foreach (var rank in ranks)
                Assert.True(mean.allclose(rank[$"averaged/{name}"], rtol: 1e-6, atol: 1e-9), $"averaged gradient of {name}");
        }
        // Rank 1 did not use it: its zero gradient counts, so every rank ends with rank 0's / 2.
        Assert.Equal(0, ranks[1]["grad/only_rank0.weight"].abs().sum().item<float>());
        Assert.NotEqual(0, ranks[1]["averaged/only_rank0.weight"].abs().sum().item<float>());
        // Used by no rank: zero everywhere, before and after.
        Assert.All(ranks, r => Assert.Equal(0, r["averaged/unused.weight"].abs().sum().item<float>()));
    }
}
