using Livt.Augmentation;
using Livt.Data;
using Livt.Engine;
using Livt.Inference;
using Livt.Interop;
using Livt.Methods;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using Livt.Tests.Models;
using Livt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Training;

public class MixedPrecisionTests
{
    public MixedPrecisionTests() => LivtRuntime.Initialize();

    private static VisionTransformer Tiny(long seed)
    {
        torch.manual_seed(seed);
        return new VisionTransformer(ParityTests.Tiny() with { Depth = 1 });
    }

    [Fact]
    public void WorkingCopyHoldsTheMasterInBf16AndGradientsAccumulateInFp32()
    {
        using var master = Tiny(1);
        using var store = ParameterStore.Create(ParamGroups.WeightDecay(master.named_parameters(), 0), MixedPrecision.StoreOrder(master));
        using var mixed = new MixedPrecision(master, store, Tiny(2));
        foreach (var ((name, m), (_, w)) in master.named_parameters().Zip(mixed.Work.named_parameters()))
        {
            Assert.Equal(ScalarType.Float32, m.dtype);
            // LayerNorms stay fp32 (they normalise in fp32, as under autocast); everything else is bf16.
            Assert.Equal(name.Contains("norm") ? ScalarType.Float32 : ScalarType.BFloat16, w.dtype);
            Assert.True(w.equal(m.to(w.dtype)).all().item<bool>(), $"{name}: the working copy is not the master in its dtype");
        }

        using var x = torch.rand(4, 3, 16, 16);
        var work = (VisionTransformer)mixed.Work;
        for (int pass = 0; pass < 2; pass++)
        {
            work.forward(x).to(ScalarType.Float32).square().mean().backward();
            mixed.PullGrads();
            Assert.All(work.parameters(), p => Assert.Equal(0, p.grad!.abs().sum().to(ScalarType.Float32).item<float>()));
        }
        // Two identical passes: the master holds twice one pass's gradient, in fp32.
        work.forward(x).to(ScalarType.Float32).square().mean().backward();
        var head = work.named_parameters().Single(p => p.name == "head.weight").parameter;
        using var once = head.grad!.to(ScalarType.Float32);
        var masterHead = master.named_parameters().Single(p => p.name == "head.weight").parameter;
        Assert.Equal(ScalarType.Float32, masterHead.grad!.dtype);
        Assert.True(masterHead.grad!.allclose(once * 2, rtol: 1e-5, atol: 1e-7), "gradients were not summed into the master");
    }

    [Fact]
    public void Bf16TrainingTracksFp32()
    {
        using var x = torch.rand(16, 3, 16, 16, generator: new Generator(5));
        using var y = torch.arange(16) % 5;
        var loss = LossFactory.Create("ce", [10, 10, 10, 10, 10]);

        double[] Train(bool bf16, bool step)
        {
            using var master = Tiny(7);
            using var store = ParameterStore.Create(ParamGroups.WeightDecay(master.named_parameters(), 0.0), MixedPrecision.StoreOrder(master));
            using var mixed = bf16 ? new MixedPrecision(master, store, Tiny(8)) : null;
            var compute = (VisionTransformer?)mixed?.Work ?? master;
            var dtype = bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
            using var opt = new AdamW(store, 3e-3, 0.9, 0.999);
            var losses = new List<double>();
            for (int i = 0; i < 12; i++)
            {
                using var scope = torch.NewDisposeScope();
                var l = loss.Forward(compute.forward(x.to(dtype)).to(ScalarType.Float32), y);
                losses.Add(l.item<float>());
                l.backward();
                mixed?.PullGrads();
                if (step) opt.Step();
                opt.ZeroGrad();
                mixed?.PushWeights();
            }
            return losses.ToArray();
        }

        var fp32 = Train(bf16: false, step: true);
        var bf16 = Train(bf16: true, step: true);
        var frozen = Train(bf16: true, step: false);
        Assert.True(fp32[^1] < fp32[0] - 0.3, $"fp32 did not learn: {fp32[0]} -> {fp32[^1]}");
        Assert.True(bf16[^1] < frozen[^1] - 0.3, $"bf16 did not learn: {bf16[0]} -> {bf16[^1]} (no steps: {frozen[^1]})");
        Assert.InRange(bf16[^1] - fp32[^1], -0.1, 0.1);
    }

    [Fact]
    public void Bf16FinetuneWritesAnFp32Model()
    {
        var root = TinyRuns.TempDir();
        var config = TinyRuns.Finetune(Path.Combine(root, "ft"), init: null, epochs: 1, steps: 2) with { Precision = "bf16" };
        var result = new FinetuneRunner(config).Run();
        using var file = SafeTensors.Read(result.ModelPath);
        Assert.All(file.Tensors, kv => Assert.Equal(ScalarType.Float32, kv.Value.dtype));
        Assert.True(double.IsFinite(result.FinalTrainLoss));
    }

    [Fact]
    public void UnknownPrecisionIsAClearError()
    {
        var config = TinyRuns.Finetune(TinyRuns.TempDir(), init: null) with { Precision = "fp8" };
        Assert.Contains("--precision fp8", Assert.Throws<LivtException>(() => new FinetuneRunner(config)).Message);
    }

    [Fact]
    public void Bf16InferenceScoresWithinTwoTenthsOfAPointOfFp32()
    {
        var root = TinyRuns.TempDir();
        var run = new FinetuneRunner(TinyRuns.Finetune(Path.Combine(root, "ft"), init: null, epochs: 1, steps: 80)).Run();
        var (model, meta) = ModelCheckpoint.LoadClassifier(run.ModelPath, CPU);
        using (model)
        {
            var full = DatasetCatalog.Load(new DatasetOptions { Name = meta.Dataset, Imbalance = meta.Imbalance, Seed = meta.Seed }).Test;
            var test = new SubsetDataset(full, Enumerable.Range(0, 3000).ToArray());
            var transform = TransformPipelines.Eval(meta.Model.ImageSize, meta.Mean, meta.Std);
            var fp32 = Evaluator.Predict(model, test, transform, CPU, 512, 2);
            var bf16 = Evaluator.Predict(model, test, transform, CPU, 512, 2, new PrecisionChoice("bf16", "bf16", "test"));
            using var l32 = fp32.Logits;
            using var l16 = bf16.Logits;
            Assert.Equal(ScalarType.Float32, l16.dtype);
            Assert.False(l32.equal(l16).all().item<bool>(), "the bf16 pass computed exactly the fp32 logits: it did not run in bf16");
            double top1Fp32 = fp32.Compute(meta.ClassCounts).Top1, top1Bf16 = bf16.Compute(meta.ClassCounts).Top1;
            Assert.True(top1Fp32 > 20, $"the tiny model did not learn ({top1Fp32} %, chance is 10 %)");
            Assert.True(Math.Abs(top1Bf16 - top1Fp32) <= 0.2, $"top-1 fp32 {top1Fp32} %, bf16 {top1Bf16} %");
        }
    }
}
