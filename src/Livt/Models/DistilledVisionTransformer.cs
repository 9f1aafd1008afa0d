using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// DeiT's ViT with a distillation token (Touvron et al., ICML 2021; timm's <c>VisionTransformerDistilled</c>,
/// DeiT-LT's <c>DistilledVisionTransformer</c>) with their parameter names: <c>patch_embed.proj</c>,
/// <c>cls_token</c>, <c>dist_token</c>, <c>pos_embed</c> [1, 2 + L, D], <c>blocks.i.*</c>, <c>norm</c>, then
/// <c>head</c> on the class token and <c>head_dist</c> on the distillation token. In training the two heads
/// get different targets (the true labels, the teacher's); <see cref="forward"/> returns their average, as
/// DeiT predicts at test time, and <see cref="TrainingOutput"/> both [N, 2, C].
/// </summary>
public sealed class DistilledVisionTransformer : ClassifierModel
{
    private readonly PatchEmbed patch_embed;
    private readonly Parameter cls_token;
    private readonly Parameter dist_token;
    private readonly Parameter pos_embed;
    private readonly ModuleList<Block> blocks;
    private readonly LayerNorm norm;
    private readonly Linear head;
    private readonly Linear head_dist;

    private readonly GeneratorSlot _random = new();

    /// <summary>Builds the model as <see cref="VisionTransformer"/> is built (MAE's initialisation, the
    /// patch rows of <c>pos_embed</c> starting as the sin-cos table, the class and distillation rows at 0),
    /// with the distillation token drawn like the class token and <c>head_dist</c> like <c>head</c>. The
    /// tokens are read through <c>norm</c>: <see cref="VitConfig.GlobalPool"/> is set false.</summary>
    /// <exception cref="ArgumentException">The configuration is inconsistent.</exception>
    public DistilledVisionTransformer(VitConfig config, Generator? generator = null) : base(nameof(DistilledVisionTransformer))
    {
        config = config with { GlobalPool = false };
        config.Validate();
        Config = config;
        int d = config.EmbedDim;
        patch_embed = new PatchEmbed(config.ImageSize, config.PatchSize, config.InChans, d);
        cls_token = new Parameter(torch.zeros(1, 1, d));
        dist_token = new Parameter(torch.zeros(1, 1, d));
        pos_embed = new Parameter(torch.zeros(1, config.NumPatches + 2, d));
        blocks = Block.Stack(config.Depth, d, config.NumHeads, config.MlpRatio, config.DropPathRate, config.Attention, _random);
        norm = nn.LayerNorm(d, eps: Block.NormEps);
        head = nn.Linear(d, config.NumClasses);
        head_dist = nn.Linear(d, config.NumClasses);
        RegisterComponents();

        using (var patches = pos_embed.narrow(1, 1, config.NumPatches + 1)) MaeInit.FillSinCos(patches, config.GridSize);
        MaeInit.Apply(this, patch_embed, generator, cls_token, dist_token);
        using var _ = torch.no_grad();
        pos_embed.narrow(1, 0, 2).zero_();
        CpuRandom.Normal_(head.weight!, 0, VisionTransformer.HeadInitStd, generator);
        CpuRandom.Normal_(head_dist.weight!, 0, VisionTransformer.HeadInitStd, generator);
    }

    /// <summary>The configuration the model was built from (token pooling).</summary>
    public VitConfig Config { get; }

    /// <inheritdoc/>
    public override ArchitectureConfig Architecture => Config;

    /// <summary>The generator drop path draws from in training (libtorch's global one when null).</summary>
    public override Generator? DropPathGenerator
    {
        get => _random.Generator;
        set => _random.Generator = value;
    }

    /// <summary>The model-file kind of a ViT with a distillation head.</summary>
    public const string FileKind = "vit-distilled";

    /// <inheritdoc/>
    public override string Kind => FileKind;

    /// <inheritdoc/>
    public override ClassifierModel NewOfSameArchitecture() => new DistilledVisionTransformer(Config);

    /// <summary>[N, C, H, W] → the average of the two heads' logits [N, NumClasses] (DeiT at test time).</summary>
    public override Tensor forward(Tensor images)
    {
        using var both = ForwardHeads(images);
        return both.mean(new long[] { 1 });
    }

    /// <summary>The class head's and the distillation head's logits [N, 2, C]: what the distillation loss takes.</summary>
    public override Tensor TrainingOutput(Tensor images) => ForwardHeads(images);

    /// <summary>[N, C, H, W] → [N, 2, NumClasses]: <c>head</c> on the class token, <c>head_dist</c> on the
    /// distillation token, both after <c>norm</c>.</summary>
    /// <exception cref="ArgumentException">The images do not have the configured channels and size.</exception>
    public Tensor ForwardHeads(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var x = patch_embed.call(images);
        long n = x.shape[0];
        // An explicit alpha held to the end of the method: a temporary Scalar can be finalized while
        // libtorch reads it (see Block).
        using var one = 1.0.ToScalar();
        x = torch.cat(new[] { cls_token.expand(n, -1, -1), dist_token.expand(n, -1, -1), x }, 1).add(pos_embed, one);
        foreach (var block in blocks) x = block.call(x);
        x = Fp32.LayerNorm(norm, x);
        return torch.stack(new[] { head.call(x[.., 0]), head_dist.call(x[.., 1]) }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>The single-head ViT name of a parameter: the distillation token and head take the class
    /// token's and the head's (their layer ids under layer-wise lr decay, and what an encoder gives them).</summary>
    public override string EncoderName(string name) =>
        name == "dist_token" ? "cls_token"
        : name.StartsWith("head_dist.", StringComparison.Ordinal) ? "head." + name["head_dist.".Length..]
        : name;
}
