using Livt.Interop;
using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Tests.Interop;

public class ClassifierShapeTests
{
    /// <summary>A timm-named classifier's tensors (uninitialised: only shapes matter).</summary>
    private static Dictionary<string, Tensor> Weights(VitConfig c) =>
        new VisionTransformer(c).state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);

    [Fact]
    public void InfersEverythingButHeadsFromShapes()
    {
        var config = new VitConfig { ImageSize = 32, PatchSize = 8, InChans = 3, EmbedDim = 24, Depth = 3, NumHeads = 4, NumClasses = 7, MlpRatio = 2, GlobalPool = false };
        var inferred = ClassifierShape.Infer(Weights(config), numHeads: 4, "w").Config;
        Assert.Equal(config, inferred);
    }

    [Theory]
    [InlineData(192, 3)]
    [InlineData(384, 6)]
    public void StandardWidthsTakeTimmsHeads(int dim, int heads)
    {
        var config = new VitConfig { ImageSize = 16, PatchSize = 8, EmbedDim = dim, Depth = 1, NumHeads = 1, NumClasses = 2 };
        var result = ClassifierShape.Infer(Weights(config), numHeads: null, "w");
        Assert.Equal(heads, result.Config.NumHeads);
        Assert.Contains($"timm's for D{dim}", result.Description);
    }

    [Fact]
    public void OtherWidthWithoutHeadsAsksForThem()
    {
        var config = new VitConfig { ImageSize = 16, PatchSize = 8, EmbedDim = 32, Depth = 1, NumHeads = 2, NumClasses = 2 };
        var e = Assert.Throws<LivtException>(() => ClassifierShape.Infer(Weights(config), numHeads: null, "model.pth"));
        Assert.Contains("model.pth", e.Message);
        Assert.Contains("--num-heads", e.Message);
    }

    [Fact]
    public void MaeCheckpointIsNotAClassifier()
    {
        var config = new VitConfig { ImageSize = 16, PatchSize = 8, EmbedDim = 32, Depth = 1, NumHeads = 2, DecoderEmbedDim = 16, DecoderDepth = 1, DecoderNumHeads = 2 };
        var weights = new MaskedAutoencoder(config).state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var e = Assert.Throws<LivtException>(() => ClassifierShape.Infer(weights, 2, "mae.pth"));
        Assert.Contains("livt finetune --init mae.pth", e.Message);
    }
}
