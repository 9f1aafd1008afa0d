using System.Text.Json.Nodes;
using Livt.Inference;
using Livt.Models;
using Livt.Tests.Evaluation;
using Livt.Tests.Training;
using static Livt.Tests.Interop.OnnxFixtures;

namespace Livt.Tests.Interop;

/// <summary>Prediction with ONNX Runtime from image files, in the library and through the CLI.</summary>
public class OnnxClassifierTests
{
    [Fact]
    public void PredictOnPngFilesMatchesTorchSharpPredictor()
    {
        using var dir = new TempDir();
        using var model = RandomModel(ModelPresets.Get(ModelPresets.QuickStart), seed: 3);
        var checkpoint = SaveCheckpoint(model, dir.Path, "bal-bce");
        var onnx = OnnxExport.Run(checkpoint, dir.File("m.onnx")).Path;
        var files = WritePngs(dir.Path, 4);

        // The exported graph is fp32: compare with the fp32 model, whatever --precision auto picks on this machine.
        var expected = Predictor.Predict(checkpoint, files, topK: 3, "cpu", precision: "fp32");
        var actual = OnnxClassifier.Predict(onnx, files, topK: 3, "cpu");
        Assert.Equal(files, actual.Select(p => p.Path));
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.Top.Select(c => c.ClassName), a.Top.Select(c => c.ClassName));
            foreach (var (ec, ac) in e.Top.Zip(a.Top)) Assert.Equal(ec.Probability, ac.Probability, 1e-5);
        }
    }

    [Fact]
    public void CliExportsAndPredictsWithOnnxRuntime()
    {
        var dir = TinyRuns.TempDir();
        using var model = RandomModel(ModelPresets.Get(ModelPresets.QuickStart), seed: 4);
        SaveCheckpoint(model, dir, "ce");
        var onnx = Path.Combine(dir, "model.onnx");
        var (code, stdout, stderr) = CliErrorTests.Livt("export", dir, "--onnx", onnx, "--test-prior", "uniform");
        Assert.True(code == 0, stderr);
        Assert.Contains("max |logit difference|", stdout);
        Assert.True(File.Exists(onnx));

        var png = WritePngs(dir, 1)[0];
        (code, stdout, stderr) = CliErrorTests.Livt("predict", onnx, png, "--top-k", "2");
        Assert.True(code == 0, stderr);
        using var classifier = OnnxClassifier.Open(onnx);
        Assert.Contains(classifier.Predict([png], 1)[0].Top[0].ClassName, stdout);

        var bad = Path.Combine(dir, "bad.onnx");
        File.WriteAllText(bad, "not a model");
        (code, _, stderr) = CliErrorTests.Livt("predict", bad, png);
        Assert.Equal(1, code);
        Assert.StartsWith($"error: {bad}: not an ONNX model that ONNX Runtime can run:", stderr);
    }

    [Fact]
    public void BenchInferReportsBothEnginesInOneRun()
    {
        var json = Path.Combine(TinyRuns.TempDir(), "bench.json");
        var (code, _, stderr) = CliErrorTests.Livt("bench", "infer", "--engine", "both", "--batch-size", "4", "--steps", "3", "--warmup", "1", "--threads", "2", "--json", json);
        Assert.True(code == 0, stderr);
        var r = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal("both", (string)r["engine"]!);
        Assert.True((double)r["images_per_second"]! > 0);
        var ort = r["onnxruntime"]!;
        Assert.True((double)ort["images_per_second"]! > 0);
        Assert.True((double)ort["relative_to_torchsharp"]! > 0);
        Assert.NotEmpty((string)r["versions"]!["onnxruntime"]!);
    }
}
