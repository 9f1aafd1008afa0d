using System.Text.Json;
using Livt.Evaluation;
using Livt.Runtime;

namespace Livt.Tests.Evaluation;

public sealed class RunReportTests : IDisposable
{
    private static readonly string[] RequiredKeys =
    {
        "top1", "top5", "many", "medium", "few", "ece", "nll", "per_class", "class_counts", "test_counts",
        "class_names", "loss", "model", "dataset", "epochs", "seconds", "stage", "imbalance", "seed",
        "images_per_second", "test_prior",
    };

    private readonly TempDir _dir = new();

    public RunReportTests() => LivtRuntime.Initialize();

    public void Dispose() => _dir.Dispose();

    private static RunReport Report() => RunReport.From(EvaluationFixtures.Result(), "bal_bce", "vit_tiny", "cifar10-lt", 3, 12.5,
        stage: "bft", imbalance: 100, seed: 7, imagesPerSecond: 431.2, testPrior: "uniform");

    [Fact]
    public void JsonRoundTripsWithEveryKey()
    {
        var report = Report();
        var path = _dir.File("out/report.json");
        report.WriteJson(path);

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var key in RequiredKeys)
            Assert.True(doc.RootElement.TryGetProperty(key, out _), $"report.json lacks \"{key}\"");
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("per_class")[5].ValueKind);
        Assert.Equal(100.0 * 5 / 9, doc.RootElement.GetProperty("top1").GetDouble(), 12);

        var back = RunReport.ReadJson(path);
        Assert.Equal(report.ToJson(), back.ToJson());
        Assert.Equal(report.Few, back.Few);
        Assert.Equal(report.PerClass, back.PerClass);
        Assert.Equal(report.ClassNames, back.ClassNames);
        Assert.Equal("uniform", back.TestPrior);
        Assert.Equal(7, back.Seed);
    }

    [Fact]
    public void EmptyFewShotGroupIsWrittenAsNull()
    {
        var r = EvaluationFixtures.Accumulator().Compute(new long[] { 500, 400, 300, 60, 50, 40 });
        Assert.Null(r.Few);
        var report = RunReport.From(r, "ce", "vit_tiny", "toy", 1, 1.0);
        var path = _dir.File("report.json");
        report.WriteJson(path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("few").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("test_prior").ValueKind);
        Assert.Contains("\"few\": null", File.ReadAllText(path));
        Assert.Null(RunReport.ReadJson(path).Few);
    }

    [Fact]
    public void DivergedModelNaNStillRoundTrips()
    {
        var path = _dir.File("nan.json");
        (Report() with { Nll = double.NaN }).WriteJson(path);
        Assert.True(double.IsNaN(RunReport.ReadJson(path).Nll));
    }

    [Fact]
    public void BadReportNamesTheFile()
    {
        var broken = _dir.Write("broken.json", "{\n  \"top1\": 50,\n  \"top5\": oops\n}");
        var e = Assert.Throws<LivtException>(() => RunReport.ReadJson(broken));
        Assert.Contains(broken + ":3", e.Message);

        var json = Report().ToJson();
        using var doc = JsonDocument.Parse(json);
        var withoutLoss = "{" + string.Join(",", doc.RootElement.EnumerateObject()
            .Where(p => p.Name != "loss").Select(p => p.ToString())) + "}";
        var partial = _dir.Write("partial.json", withoutLoss);
        var missing = Assert.Throws<LivtException>(() => RunReport.ReadJson(partial));
        Assert.Contains(partial, missing.Message);
        Assert.Contains("loss", missing.Message);

        Assert.Throws<LivtException>(() => RunReport.ReadJson(_dir.File("absent.json")));
    }

    [Fact]
    public void MarkdownHasHeadlineAndPerClassTables()
    {
        var path = _dir.File("report.md");
        Report().WriteMarkdown(path);
        var md = File.ReadAllText(path);
        Assert.Contains("| Top-1 | Top-5 | Many | Medium | Few | ECE | NLL |", md);
        Assert.Contains("| 55.56 | 77.78 | 83.33 | 25.00 | 50.00 |", md);
        Assert.Contains("| 0 | airplane | 500 | Many | 3 | 66.67 |", md);
        Assert.Contains("| 3 | cat | 30 | Medium | 1 | 0.00 |", md);
        Assert.Contains("| 5 | dog | 5 | Few | 0 | – |", md);
    }

    [Fact]
    public void TestDistributionTableRoundTripsAndRenders()
    {
        var acc = new MetricsAccumulator(2);
        using (var z = TorchSharp.torch.tensor(new float[] { 1, 0, 0, 1, 1, 0, 1, 0 }, new long[] { 4, 2 }))
        using (var y = TorchSharp.torch.tensor(new long[] { 0, 1, 0, 1 }))
            acc.Add(z, y);
        var splits = TestAgnosticSplits.Evaluate(acc, new long[] { 300, 10 }, TestDistribution.ParseList("forward2,uniform"), seed: 3);
        var report = Report() with { TestDistributions = splits.Select(TestDistributionMetrics.From).ToArray(), TestSplitSeed = 3 };
        var path = _dir.File("splits/report.json");
        report.WriteJson(path);
        var back = RunReport.ReadJson(path);
        Assert.Equal(report.ToJson(), back.ToJson());
        Assert.Equal(new[] { "forward2", "uniform" }, back.TestDistributions!.Select(d => d.Name));
        Assert.Equal(new long[] { 3, 4 }, back.TestDistributions!.Select(d => d.Images));
        Assert.Equal(75.0, back.TestDistributions![1].Top1, 9);
        Assert.Equal(3, back.TestSplitSeed);

        var md = _dir.File("splits/report.md");
        report.WriteMarkdown(md);
        var text = File.ReadAllText(md);
        Assert.Contains("## Test distributions", text);
        Assert.Contains("| uniform | 4 | 75.00 | 100.00 | – | 50.00 |", text);
    }
}
