using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// A <see cref="VisionTransformer"/> with what a supervised contrastive method adds on its pooled
/// features, in one module so one optimizer step trains everything: <c>vit.*</c> (timm names; its
/// <c>head</c> is the classifier, whose weight rows are the learnable class centres of GPaCo and BCL),
/// <c>projector.*</c> (the projection head the contrast runs on) and, for BCL, <c>center_projector.*</c>
/// (the head mapping the classifier weights to contrast centres). BCL's cosine classifier is the same
/// <c>head</c> used as s·cos(x, w_c) with its bias frozen at 0.
/// </summary>
public sealed class ContrastiveVisionTransformer : nn.Module<Tensor, Tensor>
{
    private readonly VisionTransformer vit;
    private readonly ProjectionHead projector;
    private readonly ProjectionHead? center_projector;

    /// <summary>Builds the model.</summary>
    /// <param name="config">The ViT (its <c>NumClasses</c> is the classifier's).</param>
    /// <param name="projector">The projection head; its input width must be the ViT's.</param>
    /// <param name="centerProjector">BCL's centre head (input width the ViT's, output the projector's), or null.</param>
    /// <param name="cosineScale">Scale s of a cosine classifier (BCL's <c>NormedLinear</c>), or null for the
    /// linear head. The cosine head's weight starts as BCL's (uniform, unit rows).</param>
    /// <param name="generator">Where the initial weights are drawn from (libtorch's global generator when null).</param>
    /// <param name="processSum">The job's sum with gradient for the heads' BatchNorm statistics (<see cref="ProjectionHead"/>), or null.</param>
    /// <exception cref="ArgumentException">Widths disagree or a configuration is invalid.</exception>
    public ContrastiveVisionTransformer(VitConfig config, ProjectionHeadConfig projector, ProjectionHeadConfig? centerProjector = null,
        double? cosineScale = null,
        Generator? generator = null, Func<Tensor, Tensor>? processSum = null)
        : base(nameof(ContrastiveVisionTransformer))
    {
        if (projector.InDim != config.EmbedDim)
            throw new ArgumentException($"the projection head takes {projector.InDim} features but the ViT pools {config.EmbedDim}");
        if (centerProjector is not null && (centerProjector.InDim != config.EmbedDim || centerProjector.OutDim != projector.OutDim))
            throw new ArgumentException($"the centre head must map the classifier's {config.EmbedDim}-d weights to the projection's " +
                $"{projector.OutDim} dimensions");
        if (cosineScale is { } s && !(s > 0 && double.IsFinite(s)))
            throw new ArgumentException($"cosine classifier scale {s} must be finite and > 0");
        vit = new VisionTransformer(config with { CosineScale = cosineScale }, generator);
        this.projector = new ProjectionHead(projector, generator, processSum);
        center_projector = centerProjector is null ? null : new ProjectionHead(centerProjector, generator, processSum);
        register_module(nameof(vit), vit);
        register_module(nameof(projector), this.projector);
        if (center_projector is not null) register_module(nameof(center_projector), center_projector);

        if (cosineScale is not null) CosineClassifier.Initialize(vit.Head, generator);
    }

    /// <summary>The encoder and classifier, with timm's parameter names (load MGP weights into it).</summary>
    public VisionTransformer Vit => vit;

    /// <summary>The projection head.</summary>
    public ProjectionHead Projector => projector;

    /// <summary>Scale of the cosine classifier, or null for the linear head.</summary>
    public double? CosineScale => vit.Config.CosineScale;

    /// <summary>True when <see cref="ClassCenters"/> is available (a centre head was configured).</summary>
    public bool HasCenterProjector => center_projector is not null;

    /// <summary>Pooled features, normalised projection and logits of a batch of images.</summary>
    public ContrastiveOutputs Encode(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var pooled = vit.ForwardFeatures(images);
        var projection = Project(pooled);
        var logits = Classify(pooled);
        return new ContrastiveOutputs(pooled.MoveToOuterDisposeScope(), projection.MoveToOuterDisposeScope(), logits.MoveToOuterDisposeScope());
    }

    /// <summary>The projection head's output for images [B, C, H, W] → [B, P], not normalised (the self-supervised
    /// methods feed it to a predictor or normalise it in their loss).</summary>
    public Tensor Projection(Tensor images)
    {
        using var pooled = vit.ForwardFeatures(images);
        return projector.call(pooled);
    }

    /// <summary>The L2-normalised projection of pooled features [B, D] → [B, P].</summary>
    public Tensor Project(Tensor pooled)
    {
        using var h = projector.call(pooled);
        return torch.nn.functional.normalize(h, dim: 1);
    }

    /// <summary>The classifier on pooled features [B, D] → [B, C]: the linear head, or s·cos(x, w_c).</summary>
    public Tensor Classify(Tensor pooled) => vit.Classify(pooled);

    /// <summary>BCL's class centres: the L2-normalised centre head applied to the classifier weights [C, P]
    /// (gradient reaches both the centre head and the classifier).</summary>
    /// <exception cref="InvalidOperationException">No centre head was configured.</exception>
    public Tensor ClassCenters()
    {
        if (center_projector is null) throw new InvalidOperationException("this model has no centre projection head");
        using var h = center_projector.call(vit.Head.weight!);
        return torch.nn.functional.normalize(h, dim: 1);
    }

    /// <summary>[B, C, H, W] → logits [B, C] (evaluation and prediction).</summary>
    public override Tensor forward(Tensor images)
    {
        using var pooled = vit.ForwardFeatures(images);
        return Classify(pooled);
    }

    /// <summary>The name a parameter has for layer-wise lr decay: the ViT's its timm name
    /// (<c>vit.blocks.3.attn.qkv.weight</c> → <c>blocks.3.attn.qkv.weight</c>), the heads' their own
    /// (<c>projector.0.weight</c>, grouped with the classifier at the top layer).</summary>
    public static string EncoderName(string name)
    {
        const string prefix = nameof(vit) + ".";
        return name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
    }

    /// <summary>
    /// The ViT's weights as a plain <see cref="VisionTransformer"/> classifier of <see cref="Vit"/>'s
    /// configuration takes them (detached copies): evaluation and prediction run without the projection
    /// heads, and a cosine classifier stays one (<see cref="VitConfig.CosineScale"/>), so the saved model's
    /// logits are the s·cos(x, w_c) the method trained and its official evaluation reads.
    /// </summary>
    public Dictionary<string, Tensor> ClassifierWeights()
    {
        using var _ = torch.no_grad();
        return vit.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }
}
