namespace Livt.Models;

/// <summary>Named model shapes, with timm's names for the standard ViTs and the CNNs' own names. The 224-px
/// ViT presets carry MAE's decoder (512 wide, 8 blocks, 16 heads) and 1000 classes; set <c>NumClasses</c>
/// with a <c>with</c> expression for another dataset.</summary>
public static class ModelPresets
{
    /// <summary>The small preset for 28-px grey-scale images (Fashion-MNIST-LT) that the quick start uses.</summary>
    public const string QuickStart = "vit_quick_patch4_28";

    private static readonly VitConfig Vit224 = new() { ImageSize = 224, PatchSize = 16, InChans = 3 };

    // 32-px RGB (CIFAR-LT): an 8×8 grid of 4-px patches; a light decoder in proportion to the encoder.
    private static readonly VitConfig Vit32 = new()
    {
        ImageSize = 32, PatchSize = 4, InChans = 3, NumClasses = 10,
        DecoderEmbedDim = 128, DecoderDepth = 2, DecoderNumHeads = 4,
    };

    private static readonly Dictionary<string, VitConfig> ByName = new()
    {
        ["vit_tiny_patch16_224"] = Vit224 with { EmbedDim = 192, Depth = 12, NumHeads = 3 },
        ["vit_small_patch16_224"] = Vit224 with { EmbedDim = 384, Depth = 12, NumHeads = 6 },
        ["vit_base_patch16_224"] = Vit224 with { EmbedDim = 768, Depth = 12, NumHeads = 12 },
        ["vit_large_patch16_224"] = Vit224 with { EmbedDim = 1024, Depth = 24, NumHeads = 16 },
        ["vit_tiny_patch4_32"] = Vit32 with { EmbedDim = 192, Depth = 12, NumHeads = 3 },
        ["vit_small_patch4_32"] = Vit32 with { EmbedDim = 384, Depth = 12, NumHeads = 6, DecoderEmbedDim = 256, DecoderNumHeads = 8 },
        [QuickStart] = new VitConfig
        {
            ImageSize = 28, InChans = 1, PatchSize = 4, EmbedDim = 128, Depth = 6, NumHeads = 4, NumClasses = 10,
            DecoderEmbedDim = 128, DecoderDepth = 2, DecoderNumHeads = 4,
        },
    };

    // The CNNs at their papers' input sizes (CIFAR's 32 px, ImageNet's 224 px); they fine-tune only.
    private static readonly Dictionary<string, ResNetConfig> Cnns = new()
    {
        [ResNetConfig.ResNet32] = new ResNetConfig { Arch = ResNetConfig.ResNet32, ImageSize = 32, NumClasses = 10 },
        [ResNetConfig.ResNet50] = new ResNetConfig { Arch = ResNetConfig.ResNet50, ImageSize = 224 },
    };

    /// <summary>Every ViT preset name, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = ByName.Keys.ToArray();

    /// <summary>The CNN names (<see cref="ResNetConfig.Architectures"/>).</summary>
    public static IReadOnlyList<string> CnnNames { get; } = Cnns.Keys.ToArray();

    /// <summary>True for a CNN's name.</summary>
    public static bool IsCnn(string name) => Cnns.ContainsKey(name);

    /// <summary>The preset <paramref name="name"/> names: a preset's own name, or the name the official
    /// LiVT/MAE code gives the same encoder (<c>vit_base_patch16</c>, <c>mae_vit_base_patch16</c>,
    /// <c>mae_vit_base_patch16_dec512d8b</c> → <c>vit_base_patch16_224</c>); null if none.</summary>
    public static string? Canonical(string name)
    {
        if (ByName.ContainsKey(name)) return name;
        string bare = name.StartsWith("mae_", StringComparison.Ordinal) ? name[4..] : name;
        if (bare.EndsWith("_dec512d8b", StringComparison.Ordinal)) bare = bare[..^"_dec512d8b".Length];
        return ByName.ContainsKey(bare + "_224") ? bare + "_224" : null;
    }

    /// <summary>The configuration of a ViT preset (by any name <see cref="Canonical"/> knows).</summary>
    /// <exception cref="LivtException">No ViT preset has that name (a CNN's is refused with what it is for);
    /// the message lists the valid ones.</exception>
    public static VitConfig Get(string name) =>
        Canonical(name) is { } known
            ? ByName[known]
            : IsCnn(name)
                ? throw new LivtException($"model '{name}' is a CNN: it trains as a classifier (livt finetune --model {name}); MGP pretraining, " +
                                          "the contrastive methods and SADE's experts need a ViT")
                : throw new LivtException($"unknown model '{name}'; valid models: {string.Join(", ", Names.Concat(CnnNames))}");

    /// <summary>The configuration of a CNN.</summary>
    /// <exception cref="LivtException">No CNN has that name.</exception>
    public static ResNetConfig Cnn(string name) =>
        Cnns.TryGetValue(name, out var config)
            ? config
            : throw new LivtException($"unknown CNN '{name}'; valid CNNs: {string.Join(", ", CnnNames)}");
}
