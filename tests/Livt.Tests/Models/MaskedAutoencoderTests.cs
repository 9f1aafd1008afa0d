using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Models;

public class MaskedAutoencoderTests
{
    public MaskedAutoencoderTests() => LivtRuntime.Initialize();

    [Fact]
    public void StateDictHasMaesNamesAndFrozenPositionTables()
    {
        using var mae = new MaskedAutoencoder(ParityTests.Tiny());
        var state = mae.state_dict();
        foreach (var key in new[] { "cls_token", "pos_embed", "norm.weight", "decoder_embed.weight", "mask_token",
                     "decoder_pos_embed", "decoder_blocks.0.attn.qkv.weight", "decoder_norm.bias", "decoder_pred.weight",
                     "blocks.1.mlp.fc2.bias", "patch_embed.proj.weight" })
            Assert.Contains(key, state.Keys);
        Assert.Equal(50, state.Count);
        Assert.False(state["pos_embed"].requires_grad);
        Assert.False(state["decoder_pos_embed"].requires_grad);
        Assert.Equal(new long[] { 48, 16 }, state["decoder_pred.weight"].shape);
    }

    [Fact]
    public void MasksThreeQuartersPerSampleAndIsReproducibleWithAGenerator()
    {
        using var mae = new MaskedAutoencoder(ParityTests.Tiny());
        using var images = torch.rand(4, 3, 16, 16);
        var (l1, p1, m1) = mae.Forward(images, 0.75, generator: new Generator(42));
        var (l2, p2, m2) = mae.Forward(images, 0.75, generator: new Generator(42));
        var (l3, p3, m3) = mae.Forward(images, 0.75, generator: new Generator(43));
        Assert.Equal(new long[] { 4, 16, 48 }, p1.shape);
        Assert.Equal(new[] { 12f, 12f, 12f, 12f }, m1.sum(1).data<float>().ToArray());
        Assert.True(m1.allclose(m2, 0, 0));
        Assert.Equal(l1.item<float>(), l2.item<float>());
        Assert.False(m1.allclose(m3, 0, 0));
        foreach (var t in new[] { l1, p1, m1, l2, p2, m2, l3, p3, m3 }) t.Dispose();
    }

    [Fact]
    public void LossCountsRemovedPatchesOnlyAndTrainsNoPositionTable()
    {
        using var mae = new MaskedAutoencoder(ParityTests.Tiny() with { NormPixLoss = false });
        using var images = torch.rand(2, 3, 16, 16);
        var (loss, pred, mask) = mae.Forward(images, 0.5, generator: new Generator(1));
        using var perPatch = (pred - mae.Patchify(images)).square().mean(new long[] { -1 });
        using var expected = (perPatch * mask).sum() / mask.sum();
        Assert.Equal(expected.item<float>(), loss.item<float>(), 5);
        loss.backward();
        var parameters = mae.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Null(parameters["pos_embed"].grad);
        Assert.Null(parameters["decoder_pos_embed"].grad);
        Assert.NotNull(parameters["mask_token"].grad);
        Assert.NotNull(parameters["blocks.0.attn.qkv.weight"].grad);
        foreach (var t in new[] { loss, pred, mask }) t.Dispose();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void PatchifyIsMaesLayoutAndUnpatchifyInvertsIt(int channels)
    {
        using var mae = new MaskedAutoencoder(ParityTests.Tiny() with { InChans = channels });
        using var images = torch.rand(2, channels, 16, 16);
        using var patches = mae.Patchify(images);
        Assert.Equal(new long[] { 2, 16, 16 * channels }, patches.shape);
        // Patch (row 0, col 1), pixel (0, 1), channel last: image[c, 0, 5].
        for (int c = 0; c < channels; c++)
            Assert.Equal(images[0, c, 0, 5].item<float>(), patches[0, 1, channels + c].item<float>());
        using var back = mae.Unpatchify(patches);
        Assert.True(back.allclose(images, 0, 0));
    }

    [Fact]
    public void RejectsBadNoiseMaskRatioAndImages()
    {
        using var mae = new MaskedAutoencoder(ParityTests.Tiny());
        using var images = torch.rand(2, 3, 16, 16);
        using var noise = torch.rand(2, 15);
        Assert.Contains("[2, 16]", Assert.Throws<ArgumentException>(() => mae.Forward(images, noise: noise)).Message);
        Assert.Throws<ArgumentException>(() => mae.Forward(images, 1.0));
        using var wrong = torch.rand(2, 3, 20, 20);
        Assert.Contains("[2, 3, 20, 20]", Assert.Throws<ArgumentException>(() => mae.Forward(wrong)).Message);
    }

    [Fact]
    public void QuickStartPresetRunsBothModels()
    {
        var config = ModelPresets.Get(ModelPresets.QuickStart);
        using var mae = new MaskedAutoencoder(config);
        using var vit = new VisionTransformer(config);
        using var images = torch.rand(2, 1, 28, 28);
        var (loss, pred, mask) = mae.Forward(images);
        Assert.Equal(new long[] { 2, 49, 16 }, pred.shape);
        Assert.Equal(2 * (49 - 12), (int)mask.sum().item<float>());
        Assert.True(float.IsFinite(loss.item<float>()));
        using var logits = vit.forward(images);
        Assert.Equal(new long[] { 2, 10 }, logits.shape);
        foreach (var t in new[] { loss, pred, mask }) t.Dispose();
    }
}
