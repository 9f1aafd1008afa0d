using Livt.Inference;
using Livt.Interop;
using Livt.Losses;
using Livt.Models;
using Livt.Runtime;
using Livt.Tests.Training;
using static TorchSharp.torch;

namespace Livt.Tests.Inference;

/// <summary>An IIF model predicts with its logits multiplied by the IIF weights (the official
/// <c>criterion(output, infer=True)</c>): saved with them in its metadata, <c>livt evaluate</c> applies them.</summary>
public class IifEvaluationTests
{
    public IifEvaluationTests() => LivtRuntime.Initialize();

    // Fashion-MNIST-LT at IF 100: floor(6000 · 0.01^(c/9)).
    private static readonly long[] Counts = { 6000, 3588, 2146, 1283, 767, 458, 274, 164, 98, 60 };

    /// <summary>A tiny ViT whose logits are its head bias whatever the image: class 0 wins by a little on raw
    /// logits, while the IIF-weighted logits b_c·w_c favour the rarest class.</summary>
    private static VisionTransformer BiasOnly()
    {
        var model = new VisionTransformer(ModelPresets.Get(ModelPresets.QuickStart) with { EmbedDim = 16, Depth = 1, NumHeads = 2, NumClasses = 10, InChans = 1 });
        using (no_grad())
        {
            model.get_parameter("head.weight")!.zero_();
            model.get_parameter("head.bias")!.copy_(tensor(new float[] { 1.2f, 1.1f, 1.1f, 1.1f, 1.1f, 1.1f, 1.1f, 1.1f, 1.1f, 1.1f }));
        }
        return model;
    }

    [Fact]
    public void EvaluateOfAnIifModelMultipliesTheLogitsByItsWeights()
    {
        var dir = TinyRuns.TempDir();
        var w = InverseImageFrequency.Weights(Counts, "raw");
        using var model = BiasOnly();
        var meta = new ModelMetadata
        {
            Kind = "vit", Model = model.Config, Mean = [0.3f], Std = [0.35f], ClassNames = Enumerable.Range(0, 10).Select(c => $"c{c}").ToArray(),
            ClassCounts = Counts, Dataset = "fashion-mnist-lt", Imbalance = 100, Loss = "iif", LogitScale = w, LogitScaleMethod = "iif raw",
        };
        var path = Path.Combine(dir, ModelCheckpoint.FileName);
        ModelCheckpoint.Save(path, model, meta);

        // The file predicts z·w exactly as the formula says, on any input.
        var (loaded, back) = ModelCheckpoint.LoadClassifier(path, CPU);
        using (loaded)
        using (no_grad())
        {
            Assert.Equal(w, back.LogitScale);
            using var x = randn(3, 1, 28, 28);
            model.eval();
            var expected = (model.call(x) * tensor(w, ScalarType.Float32)).data<float>().ToArray();
            var got = loaded.call(x).data<float>().ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], 4);
        }

        // Raw logits would predict class 0 everywhere; with the weights every test image goes to class 9
        // (b_9·w_9 = 1.1·log(N/60) is the largest product).
        int argmax = Enumerable.Range(0, 10).MaxBy(c => (c == 0 ? 1.2 : 1.1) * w[c]);
        Assert.Equal(9, argmax);
        var (result, report) = EvaluationRun.Run(new EvaluateOptions
        {
            Checkpoint = path, Out = Path.Combine(dir, "eval"), BatchSize = 512, Workers = 2, Threads = 2,
        });
        Assert.Equal(100.0, result.PerClass[9]);
        Assert.All(Enumerable.Range(0, 9), c => Assert.Equal(0.0, result.PerClass[c]));
        Assert.Contains("iif raw", File.ReadAllText(report!));
    }
}
