using Livt.Models;

namespace Livt.Tests.Models;

public class ModelPresetsTests
{
    [Theory]
    [InlineData("vit_tiny_patch16_224", 192, 12, 3)]
    [InlineData("vit_small_patch16_224", 384, 12, 6)]
    [InlineData("vit_base_patch16_224", 768, 12, 12)]
    [InlineData("vit_large_patch16_224", 1024, 24, 16)]
    public void StandardVitsHaveTimmsShapesAndMaesDecoder(string name, int dim, int depth, int heads)
    {
        var c = ModelPresets.Get(name);
        Assert.Equal((224, 16, 3, dim, depth, heads), (c.ImageSize, c.PatchSize, c.InChans, c.EmbedDim, c.Depth, c.NumHeads));
        Assert.Equal((512, 8, 16), (c.DecoderEmbedDim, c.DecoderDepth, c.DecoderNumHeads));
        Assert.Equal(196, c.NumPatches);
    }

    [Fact]
    public void QuickStartIsTheSmallGreyScaleModel()
    {
        var c = ModelPresets.Get(ModelPresets.QuickStart);
        Assert.Equal((28, 1, 4, 128, 6, 4, 10), (c.ImageSize, c.InChans, c.PatchSize, c.EmbedDim, c.Depth, c.NumHeads, c.NumClasses));
        Assert.Equal((128, 2, 4), (c.DecoderEmbedDim, c.DecoderDepth, c.DecoderNumHeads));
        Assert.Equal(49, c.NumPatches);
    }

    [Fact]
    public void EveryPresetIsConsistent()
    {
        Assert.Contains("vit_tiny_patch4_32", ModelPresets.Names);
        Assert.Contains("vit_small_patch4_32", ModelPresets.Names);
        foreach (var name in ModelPresets.Names) ModelPresets.Get(name).Validate();
    }

    [Fact]
    public void UnknownNameListsTheValidOnes()
    {
        var e = Assert.Throws<LivtException>(() => ModelPresets.Get("vit_huge"));
        Assert.Contains("'vit_huge'", e.Message);
        foreach (var name in ModelPresets.Names) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void InconsistentConfigurationIsRejected()
    {
        Assert.Contains("PatchSize 5", Assert.Throws<ArgumentException>(() => new VitConfig { ImageSize = 32, PatchSize = 5 }.Validate()).Message);
        Assert.Contains("NumHeads 5", Assert.Throws<ArgumentException>(() => new VitConfig { NumHeads = 5 }.Validate()).Message);
    }
}
