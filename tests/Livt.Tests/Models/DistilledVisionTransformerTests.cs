using Livt.Interop;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Models;

/// <summary>DeiT's ViT with a distillation token against DeiT-LT's <c>DistilledVisionTransformer</c> transcribed in
/// fixtures/make_distillation_fixtures.py (float64), and how it takes an encoder that has no distillation token.</summary>
public class DistilledVisionTransformerTests
{
    public DistilledVisionTransformerTests() => LivtRuntime.Initialize();

    private static readonly VitConfig Tiny = new()
    {
        ImageSize = 16, InChans = 3, PatchSize = 4, EmbedDim = 32, Depth = 2, NumHeads = 2, NumClasses = 5,
        DecoderEmbedDim = 16, DecoderDepth = 1, DecoderNumHeads = 2,
    };

    [Fact]
    public void HeadsAverageAndGradientsMatchDeitLt()
    {
        using var weights = SafeTensors.Read(TensorAssert.Fixture("distillation", "deit_tiny_weights.safetensors"));
        using var io = SafeTensors.Read(TensorAssert.Fixture("distillation", "deit_tiny_io.safetensors"));
        using var model = new DistilledVisionTransformer(Tiny);
        model.to(ScalarType.Float64);
        StateDictLoader.Load(model, weights.Tensors, strict: true, source: "deit_tiny_weights.safetensors");
        model.eval();

        using var scope = torch.NewDisposeScope();
        var images = io.Tensors["images"];
        var heads = model.TrainingOutput(images);
        TensorAssert.Close(io.Tensors["cls_logits"], heads[.., 0], what: "class head");
        TensorAssert.Close(io.Tensors["dist_logits"], heads[.., 1], what: "distillation head");
        using (torch.no_grad()) TensorAssert.Close(io.Tensors["average"], model.call(images), what: "prediction (average)");

        (heads * io.Tensors["grad_seed"]).sum().backward();
        Assert.Equal(6, TensorAssert.GradientsClose(model, io.Tensors));
    }

    [Fact]
    public void EncoderWithoutDistillationTokenGivesItTheClassTokensValueAndPosition()
    {
        using var vit = new VisionTransformer(Tiny with { GlobalPool = false });
        using var deit = new DistilledVisionTransformer(Tiny with { ImageSize = 24 });
        var weights = vit.state_dict().Where(kv => !kv.Key.StartsWith("head.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var adapted = StateDictLoader.ResamplePosEmbed(weights, deit);
        var report = StateDictLoader.LoadEncoder(deit, adapted, "vit");
        Assert.Equal(new[] { "head.bias", "head.weight", "head_dist.bias", "head_dist.weight" }, report.Missing.Order(StringComparer.Ordinal));
        Assert.Empty(report.Unexpected);
        var state = deit.state_dict();
        Assert.True(TensorAssert.BitEqual(state["cls_token"], state["dist_token"]));
        Assert.Equal(new long[] { 1, 2 + 36, 32 }, state["pos_embed"].shape);
        var pos = state["pos_embed"];
        Assert.True(TensorAssert.BitEqual(vit.state_dict()["pos_embed"][.., ..1], pos[.., 1..2]), "the distillation row is the class row");
        using var expectedGrid = PosEmbedResampler.Resample(vit.state_dict()["pos_embed"], 6);
        TensorAssert.Close(expectedGrid[.., 1..], pos[.., 2..], 1e-6, "resampled grid");
        // Layer-wise lr decay puts the distillation token and head where the class token and head are.
        Assert.Equal("cls_token", deit.EncoderName("dist_token"));
        Assert.Equal("head.weight", deit.EncoderName("head_dist.weight"));
    }
}
