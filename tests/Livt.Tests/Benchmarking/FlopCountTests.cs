using Livt.Benchmarking;
using Livt.Models;

namespace Livt.Tests.Benchmarking;

public class FlopCountTests
{
    // 8-px grey images, 4-px patches: L = 4 patches of 16 values; D 8, MLP 32, one block, 3 classes.
    private static readonly VitConfig Tiny = new()
    {
        ImageSize = 8, PatchSize = 4, InChans = 1, EmbedDim = 8, Depth = 1, NumHeads = 2, NumClasses = 3,
        DecoderEmbedDim = 4, DecoderDepth = 1, DecoderNumHeads = 1,
    };

    [Fact]
    public void VitForwardMatchesAHandCount()
    {
        // patch embed 2·4·16·8 = 1024; block on 5 tokens: qkv 2·5·8·24 = 1920, q·kᵀ and a·v 2·(2·5·5·8) = 800,
        // proj 2·5·8·8 = 640, fc1 + fc2 2·(2·5·8·32) = 5120; head 2·8·3 = 48.
        Assert.Equal(1024 + 1920 + 800 + 640 + 5120 + 48, FlopCount.VitForward(Tiny));
        Assert.Equal(3 * 9552, FlopCount.TrainStep(FlopCount.VitForward(Tiny)));
    }

    [Fact]
    public void MaeForwardCountsTheEncoderOnKeptTokensAndTheDecoderOnAll()
    {
        // mask 0.75: ⌊4·0.25⌋ = 1 kept patch + cls = 2 encoder tokens.
        // patch embed 1024 (every patch); encoder block on 2 tokens: qkv 2·2·8·24 = 768, attention 2·(2·2·2·8) = 128,
        // proj 2·2·8·8 = 256, MLP 2·(2·2·8·32) = 2048; decoder_embed 2·2·8·4 = 128;
        // decoder block on 5 tokens, width 4, MLP 16: qkv 2·5·4·12 = 480, attention 2·(2·5·5·4) = 400,
        // proj 2·5·4·4 = 160, MLP 2·(2·5·4·16) = 1280; decoder_pred 2·5·4·16 = 640.
        double expected = 1024 + (768 + 128 + 256 + 2048) + 128 + (480 + 400 + 160 + 1280) + 640;
        Assert.Equal(expected, FlopCount.MaeForward(Tiny, 0.75));
    }

    [Fact]
    public void QuickStartBftStepIsAboutThreeTimesSixtyThreeMegaMultiplyAdds()
    {
        // The README's earlier estimate: ≈ 63 M multiply-adds per image for the blocks of the quick-start ViT.
        double forward = FlopCount.VitForward(ModelPresets.Get(ModelPresets.QuickStart));
        Assert.InRange(forward / 2, 60e6, 66e6);
    }
}
