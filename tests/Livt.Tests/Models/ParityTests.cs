using Livt.Interop;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Models;

/// <summary>The C# models against PyTorch outputs written by fixtures/make_model_fixtures.py, in float64
/// so that 1e-5 separates a semantic difference from float32 rounding.</summary>
public class ParityTests
{
    public ParityTests() => LivtRuntime.Initialize();

    internal static VitConfig Tiny(AttentionImpl attention = AttentionImpl.Manual) => new()
    {
        ImageSize = 16, InChans = 3, PatchSize = 4, EmbedDim = 32, Depth = 2, NumHeads = 2, NumClasses = 5,
        GlobalPool = true, DecoderEmbedDim = 16, DecoderDepth = 1, DecoderNumHeads = 2, NormPixLoss = true,
        Attention = attention,
    };

    private static SafeTensorsFile Read(string name) => SafeTensors.Read(TensorAssert.Fixture("models", name));

    [Theory]
    [InlineData(AttentionImpl.Manual)]
    [InlineData(AttentionImpl.Fused)]
    public void VisionTransformerMatchesPyTorch(AttentionImpl attention)
    {
        using var weights = Read("vit_tiny_weights.safetensors");
        using var io = Read("vit_tiny_io.safetensors");
        using var vit = new VisionTransformer(Tiny(attention));
        vit.to(ScalarType.Float64);
        var report = StateDictLoader.Load(vit, weights.Tensors, source: "vit_tiny_weights.safetensors");
        Assert.True(report.IsExact);
        vit.eval();

        using var scope = torch.NewDisposeScope();
        var images = io.Tensors["images"];
        var features = vit.ForwardFeatures(images);
        var logits = vit.forward(images);
        TensorAssert.Close(io.Tensors["features"], features, what: "features");
        TensorAssert.Close(io.Tensors["logits"], logits, what: "logits");

        (logits * io.Tensors["grad_seed"]).sum().backward();
        Assert.Equal(7, TensorAssert.GradientsClose(vit, io.Tensors));
    }

    [Theory]
    [InlineData(AttentionImpl.Manual)]
    [InlineData(AttentionImpl.Fused)]
    public void MaskedAutoencoderMatchesPyTorch(AttentionImpl attention)
    {
        using var weights = Read("mae_tiny_weights.safetensors");
        using var io = Read("mae_tiny_io.safetensors");
        using var mae = new MaskedAutoencoder(Tiny(attention));
        mae.to(ScalarType.Float64);
        StateDictLoader.Load(mae, weights.Tensors, source: "mae_tiny_weights.safetensors");

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (loss, pred, mask) = mae.Forward(io.Tensors["images"], 0.75, io.Tensors["noise"]);
        Assert.Equal(io.Tensors["mask"].data<double>().ToArray(), mask.data<double>().ToArray());
        TensorAssert.Close(io.Tensors["pred"], pred, what: "pred");
        TensorAssert.Close(io.Tensors["loss"], loss, what: "loss");
    }

    [Fact]
    public void SinCosTablesMatchMae()
    {
        using var weights = Read("mae_tiny_weights.safetensors");
        using var mae = new MaskedAutoencoder(Tiny());
        var state = mae.state_dict();
        TensorAssert.Close(weights.Tensors["pos_embed"], state["pos_embed"], 1e-6, "pos_embed");
        TensorAssert.Close(weights.Tensors["decoder_pos_embed"], state["decoder_pos_embed"], 1e-6, "decoder_pos_embed");
    }

    [Fact]
    public void MaeEncoderLoadsIntoVisionTransformerWithOnlyTheClassifierMissing()
    {
        using var weights = Read("mae_tiny_weights.safetensors");
        using var vit = new VisionTransformer(Tiny());
        var report = StateDictLoader.Load(vit, StateDictLoader.EncoderFromMae(weights.Tensors), strict: false);
        Assert.Equal(new[] { "fc_norm.bias", "fc_norm.weight", "head.bias", "head.weight" }, report.Missing.Order());
        Assert.Empty(report.Unexpected);
        Assert.Empty(report.ShapeMismatched);
        TensorAssert.Close(weights.Tensors["blocks.1.mlp.fc2.weight"], vit.state_dict()["blocks.1.mlp.fc2.weight"], 0, "copied weight");
    }

    [Fact]
    public void ClsPoolingViTKeepsTheMaeNorm()
    {
        using var weights = Read("mae_tiny_weights.safetensors");
        using var vit = new VisionTransformer(Tiny() with { GlobalPool = false });
        var report = StateDictLoader.Load(vit, StateDictLoader.EncoderFromMae(weights.Tensors, globalPool: false), strict: false);
        Assert.Equal(new[] { "head.bias", "head.weight" }, report.Missing.Order());
        Assert.Empty(report.Unexpected);
    }

    [Fact]
    public void PosEmbedResamplingMatchesPyTorchBicubic()
    {
        using var io = Read("pos_embed_resample.safetensors");
        using var resampled = PosEmbedResampler.Resample(io.Tensors["pos_embed_4x4"], 6);
        TensorAssert.Close(io.Tensors["pos_embed_6x6"], resampled, what: "resampled pos_embed");
    }

    [Fact]
    public void WeightsTrainedAtOneSizeLoadAtAnother()
    {
        using var weights = Read("vit_tiny_weights.safetensors");
        using var vit = new VisionTransformer(Tiny() with { ImageSize = 24 });
        var adapted = StateDictLoader.ResamplePosEmbed(weights.Tensors, vit);
        Assert.Equal(new long[] { 1, 37, 32 }, adapted["pos_embed"].shape);
        StateDictLoader.Load(vit, adapted);
        using var logits = vit.forward(torch.zeros(2, 3, 24, 24));
        Assert.Equal(new long[] { 2, 5 }, logits.shape);
        adapted["pos_embed"].Dispose();
        Assert.Same(weights.Tensors, StateDictLoader.ResamplePosEmbed(weights.Tensors, new VisionTransformer(Tiny())));
    }
}
