using Google.Protobuf;
using Livt.Evaluation;
using Livt.Inference;
using Livt.Interop.Onnx;
using Livt.Models;
using Livt.Tests.Evaluation;
using TorchSharp;
using Xunit.Abstractions;
using static Livt.Tests.Interop.OnnxFixtures;

namespace Livt.Tests.Interop;

/// <summary>ONNX Runtime on the exported graph against Livt's own forward pass, on real Fashion-MNIST
/// test images (random weights: the graph has to reproduce every tensor, not a trained behaviour).</summary>
public class OnnxExportParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    /// <summary>ONNX Runtime's logits within <see cref="Tolerance"/> of Livt's; the difference is logged.</summary>
    private void AssertMatches(float[] livt, float[] ort, string what)
    {
        double diff = MaxAbsDiff(livt, ort);
        output.WriteLine($"{what}: max |ORT − Livt| {diff:E2} (max |logit| {livt.Max(Math.Abs):F2})");
        Assert.True(diff <= Tolerance, $"{what}: max abs diff {diff:E2}");
    }

    [Theory]
    [InlineData(AttentionImpl.Manual)]
    [InlineData(AttentionImpl.Fused)]
    public void QuickStartPresetMatchesLivtAtTwoBatchSizes(AttentionImpl attention)
    {
        var config = ModelPresets.Get(ModelPresets.QuickStart) with { Attention = attention };
        using var model = RandomModel(config);
        using var ort = Export(model, Info(config));
        var (raw, normalised) = Images(12, config.ImageSize, config.InChans, Mean, Std);
        var livt = LivtLogits(model, normalised);
        int plane = config.InChans * config.ImageSize * config.ImageSize, k = config.NumClasses;
        foreach (int n in new[] { 12, 5 })
        {
            AssertMatches(livt[..(n * k)], ort.Run(raw[..(n * plane)], n).Logits, $"{ModelPresets.QuickStart} {attention}, batch {n}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TiShapedModelMatchesLivtWithGlobalAndTokenPooling(bool globalPool)
    {
        var config = TiShaped(globalPool);
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        using var model = RandomModel(config, seed: 1);
        using var ort = Export(model, Info(config, mean, std));
        var (raw, normalised) = Images(8, config.ImageSize, config.InChans, mean, std);
        var livt = LivtLogits(model, normalised);
        var (logits, probs) = ort.Run(raw, 8);
        AssertMatches(livt, logits, $"ViT-Ti shape (D192, depth 2, 3 heads, 32 px RGB), {(globalPool ? "global" : "token")} pooling");
        for (int i = 0; i < 8; i++)
            Assert.Equal(1.0, probs.Skip(i * 10).Take(10).Sum(p => (double)p), 5);
    }

    [Fact]
    public void CosineClassifierHeadExportsAsScaledCosines()
    {
        // BCL's head: s·cos(x, w_c) + b_c, with a non-zero bias so every term is checked.
        var config = TiShaped(globalPool: true) with { CosineScale = 30 };
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        using var model = RandomModel(config, seed: 3);
        using var ort = Export(model, Info(config, mean, std));
        var (raw, normalised) = Images(4, config.ImageSize, config.InChans, mean, std);
        var livt = LivtLogits(model, normalised);
        Assert.True(livt.Max(Math.Abs) <= 31, "cosine logits are bounded by s + |b|");
        AssertMatches(livt, ort.Run(raw, 4).Logits, "cosine head (s 30)");
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, null)]
    [InlineData(true, 30.0)]
    public void MultiExpertModelExportsItsExpertsAveraged(bool globalPool, double? cosineScale)
    {
        // SADE's model: one shared block, three experts owning two blocks each, norm and head (linear, or
        // SADE's cosine classifier).
        var config = TiShaped(globalPool) with { Depth = 3, CosineScale = cosineScale };
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        torch.manual_seed(2);
        using var model = new MultiExpertVisionTransformer(config, numExperts: 3, expertDepth: 2);
        using (torch.no_grad())
            foreach (var p in model.parameters())
                p.add_(torch.randn_like(p) * 0.05);
        model.eval();
        using var ort = OnnxClassifier.Load(VitOnnxExporter.Build(model, Info(config, mean, std)).ToByteArray(), "experts");
        var (raw, normalised) = Images(4, config.ImageSize, config.InChans, mean, std);
        var livt = LivtLogits(model, normalised);
        AssertMatches(livt, ort.Run(raw, 4).Logits, $"3 experts, {(globalPool ? "global" : "token")} pooling");
    }

    [Theory]
    [InlineData("ce", "uniform", 1.0)]
    [InlineData("bal-bce", "train", 1.0)]
    [InlineData("ce", "file", 0.7)]
    public void BakedPriorMatchesEvaluateTestPrior(string loss, string testPrior, double tau)
    {
        using var dir = new TempDir();
        var config = ModelPresets.Get(ModelPresets.QuickStart);
        using var model = RandomModel(config, seed: 2);
        var checkpoint = SaveCheckpoint(model, dir.Path, loss);
        var prior = testPrior == "file" ? dir.Write("prior.txt", "# reversed long tail\n60\n100\n166\n278\n464\n774\n1292\n2156\n3596\n6000\n") : testPrior;

        var result = OnnxExport.Run(checkpoint, dir.File("model.onnx"), prior, tau);
        using var ort = OnnxClassifier.Open(result.Path);
        Assert.Equal(testPrior == "file" ? "prior.txt" : testPrior, ort.Info.TestPrior);

        // What livt evaluate --test-prior computes: the prior the logits assume (training counts for CE,
        // uniform for Bal-BCE) moved to the test prior.
        double total = Counts.Sum();
        double[] train = Counts.Select(c => c / total).ToArray(), uniform = Enumerable.Repeat(0.1, 10).ToArray();
        double[] from = loss == "ce" ? train : uniform;
        double[] to = testPrior switch { "uniform" => uniform, "train" => train, _ => Counts.Reverse().Select(c => (double)c).ToArray() };
        var (raw, normalised) = Images(6, config.ImageSize, config.InChans, Mean, Std);
        using var livtLogits = TorchSharp.torch.tensor(LivtLogits(model, normalised), [6, 10]);
        using var adjusted = LogitAdjustment.Apply(livtLogits, from, to, tau);
        var expected = adjusted.data<float>().ToArray();
        var (logits, _) = ort.Run(raw, 6);
        double diff = MaxAbsDiff(expected, logits);
        double shift = MaxAbsDiff(expected, livtLogits.data<float>().ToArray());
        output.WriteLine($"{loss} → --test-prior {testPrior} (tau {tau}): max |ORT − Livt| {diff:E2}; the adjustment moves logits by up to {shift:F2}");
        Assert.True(shift > 1, "the adjustment should move the logits");
        Assert.True(diff <= Tolerance, $"max abs diff {diff:E2}");
        Assert.True(result.MaxAbsDiff <= Tolerance, $"export's own check: {result.MaxAbsDiff:E2}");
    }
}
