using System.Text.Json.Nodes;
using SkiaSharp;

namespace Livt.Tests.Training;

/// <summary>The CLI's non-training commands, run as a user runs them.</summary>
public class CliCommandTests
{
    [Fact]
    public void DataStatsPrintsCountsAndWritesHistogram()
    {
        var dir = TinyRuns.TempDir();
        var (code, stdout, stderr) = CliErrorTests.Livt("data", "stats", "--dataset", "fashion-mnist-lt", "--imbalance", "100", "--out", dir);
        Assert.True(code == 0, stderr);
        foreach (var count in new[] { "6000", "3596", "2156", "1292", "774", "464", "278", "166", "100", "60" })
            Assert.Contains(count, stdout);
        Assert.Contains("Medium 2", stdout);
        using var png = SKBitmap.Decode(Path.Combine(dir, "class_histogram.png"));
        Assert.NotNull(png);
    }

    [Fact]
    public void DataIndicesListsTheSourceImagesTheLongTailKeeps()
    {
        var (code, stdout, stderr) = CliErrorTests.Livt("data", "indices", "--dataset", "fashion-mnist-lt", "--seed", "0");
        Assert.True(code == 0, stderr);
        var positions = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        Assert.Equal(14886, positions.Length); // 6000 + 3596 + ... + 60, the IF-100 profile
        Assert.Equal(positions.Length, positions.Distinct().Count());
        Assert.All(positions, p => Assert.InRange(p, 0, 59999));
        var (_, again, _) = CliErrorTests.Livt("data", "indices", "--dataset", "fashion-mnist-lt", "--seed", "1");
        Assert.NotEqual(stdout, again);
    }

    [Fact]
    public void BenchTrainWritesJsonWithTheMeasurements()
    {
        var json = Path.Combine(TinyRuns.TempDir(), "bench.json");
        var (code, _, stderr) = CliErrorTests.Livt("bench", "train", "--batch-size", "16", "--steps", "3", "--warmup", "1", "--threads", "2", "--json", json);
        Assert.True(code == 0, stderr);
        var r = JsonNode.Parse(File.ReadAllText(json))!;
        foreach (var key in new[] { "images_per_second", "images_per_second_min", "images_per_second_max", "bare_images_per_second", "breakdown", "peak_rss_mb", "rss_start_mb", "rss_end_mb", "rss_growth_mb_per_100_steps", "rss_growth_percent_of_peak", "rss_trace_mb", "precision", "precision_requested", "precision_reason", "compute", "cpu", "managed_heap_mb", "memory_settings", "versions", "threads" })
            Assert.NotNull(r[key]);
        Assert.Single(r["rss_trace_mb"]!.AsArray()); // one sample per 10 timed steps, from the first
        Assert.Equal("auto", (string)r["precision_requested"]!);
        Assert.Contains((string)r["precision"]!, new[] { "fp32", "bf16" });
        Assert.True((double)r["compute"]!["flops_per_image"]! > 0 && (double)r["compute"]!["gflops_per_second"]! > 0);
        Assert.True((double)r["images_per_second"]! > 0);
        Assert.True((double)r["breakdown"]!["backward_ms"]! > 0);
        // Without a launcher: one process, whose throughput is the job's.
        Assert.Equal((1, "single"), ((int)r["processes"]!, (string?)r["backend"]));
        Assert.Equal((double)r["images_per_second"]!, (double)r["job_images_per_second"]!);
    }

    [Fact]
    public void BenchPretrainTimesEveryPartOfTheRunsStep()
    {
        var json = Path.Combine(TinyRuns.TempDir(), "bench.json");
        var (code, _, stderr) = CliErrorTests.Livt("bench", "pretrain", "--batch-size", "16", "--steps", "2", "--warmup", "1", "--threads", "2", "--precision", "fp32", "--json", json);
        Assert.True(code == 0, stderr);
        var r = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(("fp32", "fp32: requested"), ((string?)r["precision"], (string?)r["precision_reason"]));
        foreach (var part in new[] { "forward_ms", "backward_ms", "optimizer_ms" })
            Assert.True((double)r["breakdown"]![part]! > 0, part);
        Assert.True((double)r["compute"]!["flops_per_image"]! > 0);
    }

    [Fact]
    public void BenchTrainRejectsABadAttentionNamingTheFlag()
    {
        var (code, _, stderr) = CliErrorTests.Livt("bench", "train", "--attention", "flash", "--steps", "1", "--warmup", "0");
        Assert.Equal(1, code);
        Assert.Contains("--attention", stderr);
    }

    [Fact]
    public void PredictWithAnOfficialStylePthSaysWhatItInferred()
    {
        var image = Path.Combine(TinyRuns.TempDir(), "grey.png");
        using (var bitmap = new SKBitmap(28, 28))
        {
            bitmap.Erase(new SKColor(90, 90, 90));
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            using var stream = File.Create(image);
            data.SaveTo(stream);
        }
        var pth = Models.TensorAssert.Fixture("pth", "vit_state_dict.pth");
        var (code, stdout, stderr) = CliErrorTests.Livt("predict", pth, image, "--num-heads", "2", "--top-k", "3");
        Assert.True(code == 0, stderr);
        var text = System.Text.RegularExpressions.Regex.Replace(stdout, @"\s+", " "); // the console wraps long lines
        Assert.Contains("has no Livt metadata", text);
        Assert.Contains("2 heads given", text);
        Assert.Contains("ImageNet's", text);
        Assert.Contains("probability", text);

        var (badCode, _, badErr) = CliErrorTests.Livt("predict", pth, image, "--num-heads", "2", "--mean", "0.5,x");
        Assert.NotEqual(0, badCode);
        Assert.Contains("0.5,x", badErr);
    }
}
