using System.Text.Json.Nodes;
using Livt.Training;

namespace Livt.Tests.Training;

public class EndToEndTests
{
    [Fact]
    public void PretrainFinetuneEvaluateOnRealFashionMnistLt()
    {
        var root = TinyRuns.TempDir();
        var pre = new PretrainRunner(TinyRuns.Pretrain(Path.Combine(root, "pre"))).Run();
        Assert.True(File.Exists(pre.ModelPath));
        Assert.True(double.IsFinite(pre.FinalTrainLoss));

        var ft = new FinetuneRunner(TinyRuns.Finetune(Path.Combine(root, "ft"), init: Path.Combine(root, "pre"), epochs: 3, steps: 10)).Run();
        var report = JsonNode.Parse(File.ReadAllText(ft.ReportPath!))!.AsObject();
        foreach (var key in new[] { "top1", "top5", "many", "medium", "few", "ece", "per_class", "class_counts", "loss", "model", "dataset", "epochs", "seconds" })
            Assert.True(report.ContainsKey(key), $"report.json lacks '{key}'");
        Assert.Equal(10, report["per_class"]!.AsArray().Count);
        Assert.Equal(6000, (long)report["class_counts"]![0]!);
        Assert.True((double)report["top1"]! > 20, $"top-1 {(double)report["top1"]!} % does not beat chance (10 %) clearly");
        Assert.Null(report["few"]); // IF 100 on Fashion-MNIST: the smallest class has 60 images
        foreach (var png in new[] { "per_class_accuracy.png", "reliability.png", "confusion.png", "training_curves.png", "report.md", "config.json", "log.jsonl" })
            Assert.True(File.Exists(Path.Combine(ft.RunDir, png)), $"{png} missing");

        var (result, evalReport) = EvaluationRun.Run(ft.RunDir, null, null, "uniform", 1.0, Path.Combine(root, "eval"), "cpu", 256, 2, 2);
        Assert.True(File.Exists(evalReport));
        Assert.InRange(result.Top1, 0, 100);
    }
}
