using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// The Vision Transformer classifier of timm (<c>vision_transformer.py</c>) in the variant MAE and LiVT
/// fine-tune (<c>models_vit.py</c>), with the same parameter names so weights trade with PyTorch:
/// <c>patch_embed.proj</c>, <c>cls_token</c>, <c>pos_embed</c>, <c>blocks.i.*</c>, then
/// <c>fc_norm</c> (global pool) or <c>norm</c> (cls token), and <c>head</c>.
/// </summary>
public sealed class VisionTransformer : LinearHeadClassifier
{
    internal const double HeadInitStd = 2e-5;

    private readonly PatchEmbed patch_embed;
    private readonly Parameter cls_token;
    private readonly Parameter pos_embed;
    private readonly ModuleList<Block> blocks;
    private readonly LayerNorm? norm;
    private readonly LayerNorm? fc_norm;
    private readonly Linear head;

    private readonly GeneratorSlot _random = new();

    /// <summary>Builds the model with MAE's initialisation (the trainable <c>pos_embed</c> starts as the
    /// sin-cos table) and the head weight drawn with std 2e-5, as MAE's fine-tuning recipe does; the
    /// draws come from <paramref name="generator"/> (libtorch's global generator when null).</summary>
    /// <exception cref="ArgumentException">The configuration is inconsistent.</exception>
    public VisionTransformer(VitConfig config, Generator? generator = null) : base(nameof(VisionTransformer))
    {
        config.Validate();
        Config = config;
        int d = config.EmbedDim;
        patch_embed = new PatchEmbed(config.ImageSize, config.PatchSize, config.InChans, d);
        cls_token = new Parameter(torch.zeros(1, 1, d));
        pos_embed = new Parameter(torch.zeros(1, config.NumPatches + 1, d));
        blocks = Block.Stack(config.Depth, d, config.NumHeads, config.MlpRatio, config.DropPathRate, config.Attention, _random);
        if (config.GlobalPool) fc_norm = nn.LayerNorm(d, eps: Block.NormEps);
        else norm = nn.LayerNorm(d, eps: Block.NormEps);
        head = nn.Linear(d, config.NumClasses);
        RegisterComponents();

        MaeInit.FillSinCos(pos_embed, config.GridSize);
        MaeInit.Apply(this, patch_embed, generator, cls_token);
        // MAE uses timm's trunc_normal_(std=2e-5), whose ±2 bounds are 10⁵ std away: a plain normal.
        // (TorchSharp's trunc_normal_ also returns values far below the requested std.)
        using var _ = torch.no_grad();
        CpuRandom.Normal_(head.weight!, 0, HeadInitStd, generator);
    }

    /// <summary>The configuration the model was built from.</summary>
    public VitConfig Config { get; }

    /// <inheritdoc/>
    public override ArchitectureConfig Architecture => Config;

    /// <summary>The generator drop path draws from in training (libtorch's global one when null); a
    /// training run sets its own, reseeded every step.</summary>
    public override Generator? DropPathGenerator
    {
        get => _random.Generator;
        set => _random.Generator = value;
    }

    /// <inheritdoc/>
    public override string Kind => "vit";

    /// <inheritdoc/>
    public override ClassifierModel NewOfSameArchitecture() => new VisionTransformer(Config);

    /// <summary>The classifier <c>head</c> (its weight rows are the class centres of the contrastive methods).</summary>
    public override Linear Head => head;

    /// <inheritdoc/>
    public override string HeadName => "head";

    /// <summary>The head on pooled features [N, EmbedDim] → logits [N, NumClasses]: linear, or
    /// s·cos(x, w_c) + b_c with a <see cref="VitConfig.CosineScale"/>.</summary>
    public override Tensor Classify(Tensor features) =>
        Config.CosineScale is { } s ? CosineClassifier.Logits(features, head.weight!, head.bias!, s) : head.call(features);

    /// <summary>The pooled, normalised features [N, EmbedDim] the head sees.</summary>
    /// <exception cref="ArgumentException">The images do not have the configured channels and size.</exception>
    public override Tensor ForwardFeatures(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var x = ForwardBlocks(images);
        var pooled = fc_norm is not null
            ? Fp32.LayerNorm(fc_norm, x[.., 1..].mean(new long[] { 1 }))
            : Fp32.LayerNorm(norm!, x)[.., 0];
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>Every token after the last block and <c>norm</c>, [N, 1 + L, D]: the cls token, then the
    /// patches row by row (what a contrastive teacher hands masked-image modelling as targets).</summary>
    /// <exception cref="InvalidOperationException">The model pools globally (its <c>fc_norm</c> sees only the mean).</exception>
    public Tensor ForwardTokens(Tensor images)
    {
        if (norm is null) throw new InvalidOperationException("a global-pool ViT normalises only the mean of its tokens: build it with GlobalPool false");
        using var scope = torch.NewDisposeScope();
        return Fp32.LayerNorm(norm, ForwardBlocks(images)).MoveToOuterDisposeScope();
    }

    private Tensor ForwardBlocks(Tensor images)
    {
        var x = patch_embed.call(images);
        // An explicit alpha held to the end of the method: a temporary Scalar can be finalized while
        // libtorch reads it (see Block).
        using var one = 1.0.ToScalar();
        x = torch.cat(new[] { cls_token.expand(x.shape[0], -1, -1), x }, 1).add(pos_embed, one);
        foreach (var block in blocks) x = block.call(x);
        return x;
    }
}
