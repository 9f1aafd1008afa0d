using System.Text.Json.Nodes;
using Livt.Decoupling;
using Livt.Interop;
using Livt.Tests.Decoupling;
using Livt.Tests.Models;

namespace Livt.Tests.Distributed;

/// <summary>
/// <c>livt retrain-head</c> under mpirun: two ranks, one thread each, on the real slice's fine-tuned model.
/// With evaluation batches of 64 the processes' shares are uneven (the training features' three batches
/// split two and one; the validation split's one batch leaves rank 1 nothing), and the gathered features
/// must still be exactly those of one process.
/// </summary>
public sealed class DataParallelSecondStageTests(SliceRun slice) : IClassFixture<SliceRun>
{
    [MpiFact]
    public void TwoRanksShareTheFeaturesAndEndWithTheSingleProcessHeadToTheBit()
    {
        string two = Path.Combine(slice.Root, "crt-two-ranks"), one = Path.Combine(slice.Root, "crt-one");
        var result = MpiRun.Livt("retrain-head", "--init", slice.Finetuned, "--method", "crt", "--epochs", "3", "--batch-size", "16",
            "--threads", "1", "--workers", "1", "--eval-batch-size", "64", "--out", two);
        Assert.True(result.ExitCode == 0, result.Output);
        var single = new RetrainHeadRunner(new RetrainHeadOptions
        {
            Init = slice.Finetuned, Method = "crt", Epochs = 3, BatchSize = 16, Threads = 1, Workers = 1, EvalBatchSize = 64, Out = one,
        }).Run();

        using (var a = SafeTensors.Read(Path.Combine(two, ModelCheckpoint.FileName)))
        using (var b = SafeTensors.Read(single.ModelPath))
            foreach (var (name, tensor) in b.Tensors)
                Assert.True(TensorAssert.BitEqual(tensor, a.Tensors[name]), $"{name} differs from the single-process run");
        var (reportTwo, reportOne) = (Report(two), Report(one));
        foreach (var key in new[] { "top1", "many", "medium", "few", "ece", "nll", "per_class", "test_counts" })
            Assert.Equal(reportOne[key]?.ToJsonString(), reportTwo[key]?.ToJsonString());
        Assert.Equal(2, reportTwo["processes"]!.GetValue<int>());
        Assert.Equal("mpi", (string?)reportTwo["backend"]);
        // One writer: each epoch logged once, with the single process's loss and validation scores.
        Assert.Equal(Epochs(one), Epochs(two));
        Assert.Equal(3, Epochs(two).Length);
        Assert.Single(result.Stdout.Split('\n'), line => line.Contains("retrain-head finished", StringComparison.Ordinal));
    }

    private static JsonNode Report(string dir) => JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json")))!;

    private static string[] Epochs(string dir) => File.ReadLines(Path.Combine(dir, "log.jsonl"))
        .Select(line => JsonNode.Parse(line)!)
        .Where(e => (string?)e["kind"] == "epoch")
        .Select(e => $"{e["loss"]} {e["val_top1"]} {e["val_balanced"]}")
        .ToArray();
}
