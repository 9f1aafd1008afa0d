using System.Text.Json.Nodes;
using Livt.Inference;
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

        var ft = new FinetuneRunner(TinyRuns.Finetune(Path.Combine(root, "ft"), init: Path.Combine(root, "pre"), epochs: 3, steps: 20)).Run();
        var report = JsonNode.Parse(File.ReadAllText(ft.ReportPath!))!.AsObject();
        foreach (var key in new[] { "top1", "top5", "many", "medium", "few", "ece", "per_class", "class_counts", "loss", "model", "dataset", "epochs", "seconds" })
            Assert.True(report.ContainsKey(key), $"report.json lacks '{key}'");
        Assert.Equal(10, report["per_class"]!.AsArray().Count);
        Assert.Equal(6000, (long)report["class_counts"]![0]!);
        Assert.True((double)report["top1"]! > 15, $"top-1 {(double)report["top1"]!} % does not beat chance (10 %) clearly");
        Assert.Null(report["few"]); // IF 100 on Fashion-MNIST: the smallest class has 60 images
        foreach (var png in new[] { "per_class_accuracy.png", "reliability.png", "confusion.png", "training_curves.png", "report.md", "config.json", "log.jsonl" })
            Assert.True(File.Exists(Path.Combine(ft.RunDir, png)), $"{png} missing");

        var (result, evalReport) = EvaluationRun.Run(new EvaluateOptions
        {
            Checkpoint = ft.RunDir, TestPrior = "uniform", Out = Path.Combine(root, "eval"), Workers = 2, Threads = 2,
            TestDistributions = "forward50,uniform,backward50",
        });
        Assert.True(File.Exists(evalReport));
        Assert.InRange(result.Top1, 0, 100);
        var splits = JsonNode.Parse(File.ReadAllText(evalReport))!["test_distributions"]!.AsArray();
        Assert.Equal(new[] { "forward50", "uniform", "backward50" }, splits.Select(x => (string)x!["name"]!));
        Assert.Equal(new long[] { 2795, 10000, 2795 }, splits.Select(x => (long)x!["images"]!));
        Assert.Equal(result.Top1, (double)splits[1]!["top1"]!, 9); // uniform is the whole balanced test set
        var evaluatedIn = Livt.Runtime.PrecisionPolicy.Resolve("auto", Livt.Engine.TrainingDevice.Parse("cpu"));
        var evalJson = JsonNode.Parse(File.ReadAllText(evalReport))!;
        Assert.Equal((evaluatedIn.Precision, evaluatedIn.Reason), ((string?)evalJson["precision"], (string?)evalJson["precision_reason"]));

        // predict: real test images written as PNG files, decoded and preprocessed from the model's metadata.
        var test = Livt.Data.DatasetCatalog.Load(new Livt.Data.DatasetOptions()).Test;
        var files = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var img = test.GetImage(i);
            using var bitmap = new SkiaSharp.SKBitmap(img.Width, img.Height);
            for (int y = 0; y < img.Height; y++)
                for (int x = 0; x < img.Width; x++)
                {
                    byte v = (byte)Math.Round(img[0, y, x] * 255);
                    bitmap.SetPixel(x, y, new SkiaSharp.SKColor(v, v, v));
                }
            var file = Path.Combine(root, $"test{i}.png");
            using (var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100))
            using (var stream = File.Create(file))
                data.SaveTo(stream);
            files.Add(file);
        }
        var predictions = Predictor.Predict(ft.RunDir, files, topK: 3, "cpu");
        Assert.Equal(files, predictions.Select(p => p.Path));
        foreach (var p in predictions)
        {
            Assert.Equal(3, p.Top.Count);
            Assert.True(p.Top[0].Probability >= p.Top[1].Probability && p.Top[1].Probability >= p.Top[2].Probability);
            Assert.InRange(p.Top.Sum(c => c.Probability), 0.0, 1.0 + 1e-6);
            Assert.Equal(Livt.Data.DatasetCatalog.FashionMnistClasses[p.Top[0].ClassIndex], p.Top[0].ClassName);
        }
    }
}
