using System.Text.Json.Nodes;
using Livt.Evaluation;
using Livt.Runtime;
using SkiaSharp;
using TorchSharp;

namespace Livt.Tests.Evaluation;

public class ReportTests
{
    public ReportTests() => LivtRuntime.Initialize();

    private static EvaluationResult Result()
    {
        var acc = new MetricsAccumulator(3);
        using var l = torch.tensor(new float[,] { { 2, 1, 0 }, { 0, 2, 1 }, { 1, 0, 0.5f }, { 0, 0, 1 } });
        using var y = torch.tensor(new long[] { 0, 1, 2, 2 });
        acc.Add(l, y);
        return acc.Compute([1000, 400, 150], classNames: ["a", "b", "c"]);
    }

    [Fact]
    public void JsonHasEveryKeyAndRoundTrips()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var report = RunReport.From(Result(), "bal-bce", "vit_quick_patch4_28", "fashion-mnist-lt", 3, 12.5) with { Stage = "finetune" };
        var path = Path.Combine(dir, "report.json");
        report.WriteJson(path);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        foreach (var key in new[] { "top1", "top5", "many", "medium", "few", "ece", "per_class", "class_counts", "loss", "model", "dataset", "epochs", "seconds" })
            Assert.True(json.ContainsKey(key), key);
        Assert.Null(json["medium"]);
        Assert.Null(json["few"]);
        var back = RunReport.ReadJson(path);
        Assert.Equal(report.Top1, back.Top1);
        Assert.Equal(report.PerClass, back.PerClass);
        report.WriteMarkdown(Path.Combine(dir, "report.md"));
        var md = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("| 2 | c | 150 | Many |", md);
    }

    [Fact]
    public void EveryPlotWritesADecodablePng()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"plots-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var r = Result();
        var pngs = new[]
        {
            Plots.PerClassAccuracy(r, Path.Combine(dir, "a.png")),
            Plots.Reliability(r, Path.Combine(dir, "b.png")),
            Plots.Confusion(r, Path.Combine(dir, "c.png")),
            Plots.TrainingCurves([new("pretrain", 1, 0.9, 1e-3, null), new("pretrain", 2, 0.7, 5e-4, null), new("finetune", 1, 1.5, 1e-3, 40)], Path.Combine(dir, "d.png")),
            Plots.ClassHistogram([6000, 600, 60], ["x", "y", "z"], Path.Combine(dir, "e.png")),
        };
        foreach (var png in pngs)
        {
            using var bitmap = SKBitmap.Decode(png);
            Assert.NotNull(bitmap);
            Assert.True(bitmap.Width >= 600 && bitmap.Height >= 600, $"{png}: {bitmap.Width}x{bitmap.Height}");
        }
    }
}
