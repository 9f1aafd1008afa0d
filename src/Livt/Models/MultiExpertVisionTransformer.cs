using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// SADE / TADE's multi-expert classifier (Zhang et al., NeurIPS 2022; Vanint/SADE-AgnosticLT,
/// <c>model/fb_resnets/Expert_ResNet.py</c>) on a Vision Transformer. The experts share the trunk —
/// <c>patch_embed</c>, <c>cls_token</c>, <c>pos_embed</c> and the first depth − k blocks, named as in timm
/// (<c>blocks.i</c>) — and each owns its last k blocks, its norm and its head
/// (<c>experts.e.blocks.j</c>, <c>experts.e.fc_norm</c>, <c>experts.e.head</c>). SADE's ResNets share
/// all but the last stages (ResNeXt-50: layer3 and layer4 are per expert; ResNet-32: layer2 and layer3);
/// on a ViT the split is a block count, k = 2 by default to keep the three experts' extra cost at
/// 2·2/depth of the trunk. <see cref="forward"/> returns the mean of the experts' logits, SADE's
/// <c>output</c>; <see cref="ForwardExperts"/> returns every expert's.
/// </summary>
public sealed class MultiExpertVisionTransformer : ClassifierModel
{
    private readonly PatchEmbed patch_embed;
    private readonly Parameter cls_token;
    private readonly Parameter pos_embed;
    private readonly ModuleList<Block> blocks;
    private readonly ModuleList<Expert> experts;

    private readonly GeneratorSlot _random = new();

    /// <summary>Builds the model with MAE's initialisation and every head drawn with std 2e-5, as
    /// <see cref="VisionTransformer"/> is built — or, with a <see cref="VitConfig.CosineScale"/> (SADE's
    /// <c>NormedLinear</c> experts), started as <c>NormedLinear</c>: unit weight rows, the bias 0 and frozen.</summary>
    /// <param name="config">The full ViT (its <see cref="VitConfig.Depth"/> counts shared and expert blocks).</param>
    /// <param name="numExperts">Experts (SADE: 3, forward / uniform / backward).</param>
    /// <param name="expertDepth">k: blocks each expert owns, 1 ≤ k ≤ depth.</param>
    /// <param name="generator">Source of the initial weights (the run's); null for libtorch's global one.</param>
    /// <exception cref="ArgumentException">An inconsistent configuration.</exception>
    public MultiExpertVisionTransformer(VitConfig config, int numExperts = 3, int expertDepth = 2,
        Generator? generator = null) : base(nameof(MultiExpertVisionTransformer))
    {
        config.Validate();
        if (numExperts < 1) throw new ArgumentException($"invalid model configuration: {numExperts} experts; at least 1 is needed");
        if (expertDepth < 1 || expertDepth > config.Depth)
            throw new ArgumentException($"invalid model configuration: each expert owns {expertDepth} blocks of a depth-{config.Depth} ViT; it must be " +
                "between 1 and the depth");
        Config = config;
        NumExperts = numExperts;
        ExpertDepth = expertDepth;
        int d = config.EmbedDim, shared = config.Depth - expertDepth;
        patch_embed = new PatchEmbed(config.ImageSize, config.PatchSize, config.InChans, d);
        cls_token = new Parameter(torch.zeros(1, 1, d));
        pos_embed = new Parameter(torch.zeros(1, config.NumPatches + 1, d));
        blocks = new ModuleList<Block>();
        for (int i = 0; i < shared; i++)
            blocks.Add(new Block(d, config.NumHeads, config.MlpRatio, Block.DropPathAt(i, config.Depth, config.DropPathRate), config.Attention, _random));
        experts = new ModuleList<Expert>();
        for (int e = 0; e < numExperts; e++) experts.Add(new Expert(config, shared, _random));
        RegisterComponents();

        MaeInit.FillSinCos(pos_embed, config.GridSize);
        MaeInit.Apply(this, patch_embed, generator, cls_token);
        using var _ = torch.no_grad();
        foreach (var expert in experts)
            if (config.CosineScale is null) CpuRandom.Normal_(expert.Head.weight!, 0, VisionTransformer.HeadInitStd, generator);
            else CosineClassifier.Initialize(expert.Head, generator);
    }

    /// <summary>The generator drop path draws from in training (libtorch's global one when null).</summary>
    public override Generator? DropPathGenerator
    {
        get => _random.Generator;
        set => _random.Generator = value;
    }

    /// <summary>The configuration of the full ViT.</summary>
    public VitConfig Config { get; }

    /// <inheritdoc/>
    public override ArchitectureConfig Architecture => Config;

    /// <summary>The model-file kind of a multi-expert model.</summary>
    public const string FileKind = "vit-experts";

    /// <inheritdoc/>
    public override string Kind => FileKind;

    /// <summary>Every expert's logits [N, E, C]: what <c>DiverseExpertLoss</c> takes.</summary>
    public override Tensor TrainingOutput(Tensor images) => ForwardExperts(images);

    /// <inheritdoc/>
    public override ClassifierModel NewOfSameArchitecture() => new MultiExpertVisionTransformer(Config, NumExperts, ExpertDepth);

    /// <summary>Number of experts.</summary>
    public int NumExperts { get; }

    /// <summary>Blocks each expert owns (k).</summary>
    public int ExpertDepth { get; }

    /// <summary>[N, C, H, W] → the mean of the experts' logits [N, NumClasses].</summary>
    public override Tensor forward(Tensor images)
    {
        using var all = ForwardExperts(images);
        return all.mean(new long[] { 1 });
    }

    /// <summary>[N, C, H, W] → every expert's logits [N, NumExperts, NumClasses] (SADE's <c>logits</c>).</summary>
    /// <exception cref="ArgumentException">The images do not have the configured channels and size.</exception>
    public Tensor ForwardExperts(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var x = patch_embed.call(images);
        // An explicit alpha held to the end of the method: a temporary Scalar can be finalized while
        // libtorch reads it (see Block).
        using var one = 1.0.ToScalar();
        x = torch.cat(new[] { cls_token.expand(x.shape[0], -1, -1), x }, 1).add(pos_embed, one);
        foreach (var block in blocks) x = block.call(x);
        var outs = experts.Select(expert => expert.call(x)).ToArray();
        return torch.stack(outs, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The name a parameter has in a single-expert <see cref="VisionTransformer"/> (or an MGP encoder):
    /// <c>experts.e.blocks.j.*</c> → <c>blocks.{depth − k + j}.*</c>, <c>experts.e.fc_norm.*</c> →
    /// <c>fc_norm.*</c> (likewise <c>norm</c>, <c>head</c>); shared names are unchanged. Used to load an
    /// encoder into every expert and to give expert parameters the layer id of their depth (layer-wise
    /// lr decay: <c>ParamGroups.LayerId(EncoderName(name), depth)</c>).
    /// </summary>
    public override string EncoderName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.StartsWith("experts.", StringComparison.Ordinal)) return name;
        var parts = name.Split('.');
        if (parts.Length < 3) return name;
        var rest = parts.Skip(2).ToArray();
        if (rest[0] == "blocks" && rest.Length > 1 && int.TryParse(rest[1], System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out int j))
            rest[1] = (Config.Depth - ExpertDepth + j).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join('.', rest);
    }
}
