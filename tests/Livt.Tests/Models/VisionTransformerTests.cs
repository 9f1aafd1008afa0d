using Livt.Interop;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Models;

public class VisionTransformerTests
{
    public VisionTransformerTests() => LivtRuntime.Initialize();

    private static string[] BlockKeys(string prefix, int depth) => Enumerable.Range(0, depth).SelectMany(i => new[]
    {
        "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
        "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias",
    }.Select(k => $"{prefix}.{i}.{k}")).ToArray();

    [Theory]
    [InlineData(true, "fc_norm")]
    [InlineData(false, "norm")]
    public void ParameterNamesAreTimms(bool globalPool, string finalNorm)
    {
        using var vit = new VisionTransformer(ParityTests.Tiny() with { GlobalPool = globalPool });
        var expected = new[] { "patch_embed.proj.weight", "patch_embed.proj.bias", "cls_token", "pos_embed",
                $"{finalNorm}.weight", $"{finalNorm}.bias", "head.weight", "head.bias" }
            .Concat(BlockKeys("blocks", 2)).Order();
        Assert.Equal(expected, vit.state_dict().Keys.Order());
        Assert.True(vit.state_dict()["pos_embed"].requires_grad);
    }

    [Fact]
    public void HeadStartsTinyAndLinearsXavier()
    {
        using var vit = new VisionTransformer(new VitConfig { ImageSize = 32, PatchSize = 8, EmbedDim = 256, Depth = 1, NumHeads = 4, NumClasses = 100 });
        var state = vit.state_dict();
        double headStd = state["head.weight"].std().item<float>();
        Assert.InRange(headStd, 1.5e-5, 2.5e-5);
        Assert.Equal(0, state["head.bias"].abs().sum().item<float>());
        // xavier-uniform on fc1 [1024, 256]: std = sqrt(2 / (fan_in + fan_out)) = 0.0395.
        Assert.InRange(state["blocks.0.mlp.fc1.weight"].std().item<float>(), 0.037, 0.042);
        Assert.Equal(1, state["blocks.0.norm1.weight"].mean().item<float>());
    }

    [Theory]
    [InlineData(new long[] { 2, 3, 16, 16 }, true)]
    [InlineData(new long[] { 2, 1, 16, 16 }, false)]
    [InlineData(new long[] { 2, 3, 32, 32 }, false)]
    [InlineData(new long[] { 3, 16, 16 }, false)]
    public void RejectsImagesOfAnotherShape(long[] shape, bool ok)
    {
        using var vit = new VisionTransformer(ParityTests.Tiny());
        using var images = torch.zeros(shape);
        if (ok)
        {
            using var logits = vit.forward(images);
            Assert.Equal(new long[] { 2, 5 }, logits.shape);
            return;
        }
        var e = Assert.Throws<ArgumentException>(() => vit.forward(images));
        Assert.Contains("[N, 3, 16, 16]", e.Message);
        Assert.Contains($"[{string.Join(", ", shape)}]", e.Message);
    }

    [Fact]
    public void ManualAndFusedAttentionAgree()
    {
        using var manual = new VisionTransformer(ParityTests.Tiny(AttentionImpl.Manual) with { GlobalPool = false });
        using var fused = new VisionTransformer(ParityTests.Tiny(AttentionImpl.Fused) with { GlobalPool = false });
        StateDictLoader.Load(fused, manual.state_dict());
        using var images = torch.randn(4, 3, 16, 16, generator: new Generator(7));
        using var a = manual.ForwardFeatures(images);
        using var b = fused.ForwardFeatures(images);
        TensorAssert.Close(a, b, 1e-4, "fused vs manual");
    }

    [Fact]
    public void DropPathIsActiveInTrainingOnlyAndRampsOverDepth()
    {
        using var vit = new VisionTransformer(ParityTests.Tiny() with { Depth = 3, DropPathRate = 0.5 });
        var rates = vit.modules().OfType<Block>().Select(b => b.DropPathRate).ToArray();
        Assert.Equal(new[] { 0.0, 0.25, 0.5 }, rates);

        using var images = torch.randn(8, 3, 16, 16, generator: new Generator(3));
        vit.eval();
        using var e1 = vit.ForwardFeatures(images);
        using var e2 = vit.ForwardFeatures(images);
        Assert.True(e1.allclose(e2, 0, 0));
        vit.train();
        torch.manual_seed(1);
        using var t1 = vit.ForwardFeatures(images);
        Assert.False(t1.allclose(e1));
    }

    [Fact]
    public void DropPathDropsWholeSamplesAndKeepsTheMean()
    {
        using var layer = new DropPath(0.5);
        layer.train();
        using var ones = torch.ones(4000, 3);
        using var y = layer.forward(ones);
        var rows = y[.., 0].data<float>().ToArray();
        Assert.All(rows, v => Assert.True(v == 0 || v == 2));
        Assert.True(y.eq(y[.., ..1]).all().item<bool>(), "a sample is dropped or kept as a whole");
        Assert.InRange(rows.Average(), 0.9, 1.1);
        layer.eval();
        using var z = layer.forward(ones);
        Assert.True(z.allclose(ones, 0, 0));
    }

    [Fact]
    public void BackwardReachesEveryParameter()
    {
        using var vit = new VisionTransformer(ParityTests.Tiny());
        using var images = torch.randn(2, 3, 16, 16);
        using var loss = vit.forward(images).square().sum();
        loss.backward();
        Assert.All(vit.named_parameters(), p => Assert.True(p.parameter.grad is not null, p.name));
    }
}
