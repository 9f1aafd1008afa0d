using System.Globalization;
using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Interop;
using Livt.Training;

namespace Livt.Tests.Distributed;

/// <summary>
/// One model trained by two real MPI processes (loopback, one thread each) on the real
/// Fashion-MNIST-LT: a 2-block 32-d ViT, a few steps. Mixup, CutMix and drop path are off, so a step
/// draws nothing at random and the two ranks' batches of B together are exactly the single process's
/// batch of 2B (the sharded sampler interleaves the same epoch order, augmentation is seeded by the
/// sample's position in the full epoch).
/// </summary>
public class DataParallelTrainingTests
{
    private const int Batch = 16;

    /// <summary>The run's settings, as recipe keys; the tests pass them as a JSON file or as flags.</summary>
    private static JsonObject Settings(int batch, int epochs, int steps, string? outDir = null) => new()
    {
        ["out"] = outDir,
        ["epochs"] = epochs, ["steps_per_epoch"] = steps, ["warmup_epochs"] = 0.5, ["batch_size"] = batch, ["lr"] = 3e-3,
        ["embed_dim"] = 32, ["depth"] = 2, ["num_heads"] = 2, ["mixup"] = 0.0, ["cutmix"] = 0.0, ["drop_path"] = 0.0,
        ["threads"] = 1, ["workers"] = 1, ["seed"] = 3,
        // fp32 whatever the CPU: the comparison with one process is at fp32 summation-order tolerance.
        ["precision"] = "fp32",
    };

    private static string[] Flags(JsonObject settings) => settings
        .Where(kv => kv.Value is not null)
        .SelectMany(kv => new[] { "--" + kv.Key.Replace('_', '-'), Convert.ToString(kv.Value!.GetValue<object>(), CultureInfo.InvariantCulture)! })
        .ToArray();

    private static string WriteJson(JsonObject settings, string dir)
    {
        var path = Path.Combine(dir, "overrides.json");
        File.WriteAllText(path, settings.ToJsonString());
        return path;
    }

    private static void AssertSucceeded(MpiRun.Result result) => Assert.True(result.ExitCode == 0, result.Output);

    [MpiFact]
    public void TwoRanksEndIdenticalAndEqualOneProcessWithTheDoubledBatch()
    {
        var root = Training.TinyRuns.TempDir();
        AssertSucceeded(MpiRun.Worker("finetune", root, 60, WriteJson(Settings(Batch, epochs: 1, steps: 4), root), "every-rank-writes"));
        var single = new FinetuneRunner(ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe),
            Settings(2 * Batch, epochs: 1, steps: 4, Path.Combine(root, "single")))).Run();

        using var rank0 = SafeTensors.Read(Path.Combine(root, "rank0", ModelCheckpoint.FileName));
        using var rank1 = SafeTensors.Read(Path.Combine(root, "rank1", ModelCheckpoint.FileName));
        using var one = SafeTensors.Read(single.ModelPath);
        Assert.Equal(one.Tensors.Keys.Order(), rank0.Tensors.Keys.Order());
        double worst = 0;
        string worstName = "";
        foreach (var (name, t) in rank0.Tensors)
        {
            // Both ranks apply the same averaged gradient to the same broadcast weights: bit for bit equal.
            Assert.True(t.bytes.SequenceEqual(rank1.Tensors[name].bytes), $"{name} differs between the ranks");
            double diff = (t - one.Tensors[name]).abs().max().item<float>();
            if (diff > worst) (worst, worstName) = (diff, name);
        }
        // Not bit-exact: each rank's forward and backward run on batches of 16, the single process's on
        // 32, and the averaged gradient (mean of two means) sums in another order; the fp32 rounding
        // differences (~1e-7 relative) pass through 4 AdamW steps of lr 3e-3 (the bound is 1e-5).
        Assert.True(worst < 1e-5, $"largest difference from one process with batch {2 * Batch}: {worst:E2} in {worstName}");
        Directory.Delete(root, recursive: true);
    }

    [MpiFact]
    public void KilledTwoRankRunResumedUnderMpirunEqualsUninterruptedRun()
    {
        var root = Training.TinyRuns.TempDir();
        var settings = Settings(Batch, epochs: 2, steps: 4);
        string whole = Path.Combine(root, "whole"), cut = Path.Combine(root, "cut");
        AssertSucceeded(MpiRun.Livt(["finetune", "--out", whole, .. Flags(settings)]));

        // Both ranks abandon the run in the middle of epoch 2; the folder keeps epoch 1's checkpoint.
        var killed = MpiRun.Worker("finetune", cut, 60, WriteJson(settings, root), "kill-at:1:2");
        Assert.True(killed.ExitCode != 0, killed.Output);
        Assert.False(File.Exists(Path.Combine(cut, ModelCheckpoint.FileName)));
        AssertSucceeded(MpiRun.Livt("finetune", "--resume", cut));

        using var a = SafeTensors.Read(Path.Combine(whole, ModelCheckpoint.FileName));
        using var b = SafeTensors.Read(Path.Combine(cut, ModelCheckpoint.FileName));
        foreach (var (name, t) in a.Tensors)
            Assert.True(t.bytes.SequenceEqual(b.Tensors[name].bytes), $"{name} differs after resume");
        AssertSameMetrics(Path.Combine(whole, "report.json"), Path.Combine(cut, "report.json"));
        Directory.Delete(root, recursive: true);
    }

    [MpiFact]
    public void ShardedEvaluationEqualsOneProcessToTheLastDigit()
    {
        var root = Training.TinyRuns.TempDir();
        var model = new FinetuneRunner(ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe),
            Settings(Batch, epochs: 1, steps: 3, Path.Combine(root, "model")))).Run();
        // 10,000 test images in batches of 384: 27 batches, the last partial, 14 on rank 0 and 13 on rank 1.
        string[] common = ["evaluate", model.ModelPath, "--batch-size", "384", "--threads", "1", "--workers", "1", "--test-prior", "uniform"];
        var (code, stdout, stderr) = Training.CliErrorTests.Livt([.. common, "--out", Path.Combine(root, "one")]);
        Assert.True(code == 0, stdout + stderr);
        AssertSucceeded(MpiRun.Livt([.. common, "--out", Path.Combine(root, "two")]));

        AssertSameMetrics(Path.Combine(root, "one", "report.json"), Path.Combine(root, "two", "report.json"));
        var two = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "two", "report.json")))!;
        Assert.Equal(2, (int)two["processes"]!);
        Assert.Equal("mpi", (string?)two["backend"]);
        Directory.Delete(root, recursive: true);
    }

    [MpiFact]
    public void ABatchOfUnreadableImagesOnOneRankDoesNotDesynchroniseTheSteps()
    {
        using var dir = new Data.TempDir();
        const int count = 16, seed = 3;
        // Rank 1's second batch of 2 (positions 5 and 7 of the epoch's order, shards interleaving) is
        // unreadable: it arrives empty, and rank 1 must still take that step with rank 0.
        int[] order = new Livt.Data.UniformSampler(count, seed).EpochIndices(0);
        var broken = new HashSet<int> { order[5], order[7] };
        var train = new List<string>();
        var test = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string name = $"img/{i}.png";
            if (broken.Contains(i)) File.WriteAllText(dir.File(name), "not a png");
            else
            {
                Data.DataFixtures.WritePng(dir.File(name), 8, 8, (byte)(i * 13));
                test.Add($"{name} {i % 2}");
            }
            train.Add($"{name} {i % 2}");
        }
        File.WriteAllLines(dir.File("train.txt"), train);
        File.WriteAllLines(dir.File("test.txt"), test);

        var result = MpiRun.Livt("finetune", "--dataset", "list", "--data-dir", dir.Path, "--train-list", "train.txt", "--test-list", "test.txt",
            "--skip-corrupt", "--mean", "0.5", "0.5", "0.5", "--std", "0.5", "0.5", "0.5", "--input-size", "8", "--patch-size", "4",
            "--embed-dim", "16", "--depth", "1", "--num-heads", "2", "--batch-size", "2", "--epochs", "1", "--warmup-epochs", "0.5",
            "--lr", "1e-3", "--mixup", "0", "--cutmix", "0", "--aa", "none", "--seed", $"{seed}", "--threads", "1", "--workers", "1",
            "--dist-timeout", "20", "--out", dir.File("run"));
        AssertSucceeded(result);
        Assert.Contains("skipped 2 unreadable images", result.Stdout);
    }

    private static void AssertSameMetrics(string expectedReport, string actualReport)
    {
        var expected = JsonNode.Parse(File.ReadAllText(expectedReport))!;
        var actual = JsonNode.Parse(File.ReadAllText(actualReport))!;
        foreach (var key in new[] { "top1", "top5", "many", "medium", "few", "ece", "nll", "per_class" })
            Assert.Equal(expected[key]?.ToJsonString(), actual[key]?.ToJsonString());
    }
}
