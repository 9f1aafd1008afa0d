namespace Livt.Models;

/// <summary>
/// The shape of a Vision Transformer and of the MAE decoder that pretrains it. Defaults are ViT-B/16 at
/// 224 px with MAE's decoder (512 wide, 8 blocks, 16 heads), as in timm and MAE.
/// </summary>
public sealed record VitConfig : ArchitectureConfig
{
    /// <summary>Side of the square patches; must divide <see cref="ArchitectureConfig.ImageSize"/>.</summary>
    public int PatchSize { get; init; } = 16;

    /// <summary>Token width D of the encoder.</summary>
    public int EmbedDim { get; init; } = 768;

    /// <summary>Number of encoder blocks.</summary>
    public int Depth { get; init; } = 12;

    /// <summary>Attention heads of the encoder; must divide <see cref="EmbedDim"/>.</summary>
    public int NumHeads { get; init; } = 12;

    /// <summary>Hidden width of the MLPs as a multiple of the token width.</summary>
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>Stochastic-depth rate of the last block; earlier blocks get a linear ramp from 0.</summary>
    public double DropPathRate { get; init; } = 0.0;

    /// <summary>True (LiVT, MAE fine-tuning): mean of the patch tokens → <c>fc_norm</c> → <c>head</c>.
    /// False: <c>norm</c> → cls token → <c>head</c>.</summary>
    public bool GlobalPool { get; init; } = true;

    /// <summary>Scale s of a cosine classifier (BCL's <c>NormedLinear</c>): logits s·cos(features, w_c) + b_c
    /// from <c>head</c>'s weight rows w_c and bias; null (the default): the linear head.</summary>
    public double? CosineScale { get; init; }

    /// <summary>Token width of the MAE decoder.</summary>
    public int DecoderEmbedDim { get; init; } = 512;

    /// <summary>Number of MAE decoder blocks.</summary>
    public int DecoderDepth { get; init; } = 8;

    /// <summary>Attention heads of the MAE decoder.</summary>
    public int DecoderNumHeads { get; init; } = 16;

    /// <summary>MAE reconstructs per-patch normalised pixels (MAE's <c>norm_pix_loss</c>).</summary>
    public bool NormPixLoss { get; init; } = true;

    /// <summary>Attention implementation of every block.</summary>
    public AttentionImpl Attention { get; init; } = AttentionImpl.Manual;

    /// <summary>Side of the patch grid, <see cref="ArchitectureConfig.ImageSize"/> / <see cref="PatchSize"/>.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Number of patch tokens, (ImageSize/PatchSize)².</summary>
    public int NumPatches => GridSize * GridSize;

    /// <inheritdoc/>
    public override string Summary => $"{EmbedDim}d-{Depth}L-p{PatchSize}";

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(ImageSize > 0 && PatchSize > 0 && InChans > 0, $"ImageSize {ImageSize}, PatchSize {PatchSize} and InChans {InChans} must be positive");
        Require(ImageSize % PatchSize == 0, $"PatchSize {PatchSize} does not divide ImageSize {ImageSize}");
        Require(EmbedDim > 0 && NumHeads > 0 && EmbedDim % NumHeads == 0, $"NumHeads {NumHeads} does not divide EmbedDim {EmbedDim}");
        Require(DecoderEmbedDim > 0 && DecoderNumHeads > 0 && DecoderEmbedDim % DecoderNumHeads == 0,
            $"DecoderNumHeads {DecoderNumHeads} does not divide DecoderEmbedDim {DecoderEmbedDim}");
        Require(EmbedDim % 4 == 0 && DecoderEmbedDim % 4 == 0, $"EmbedDim {EmbedDim} and DecoderEmbedDim {DecoderEmbedDim} must be multiples of 4 (2-D " +
            "sin-cos position embedding)");
        Require(Depth >= 0 && DecoderDepth >= 0, $"Depth {Depth} and DecoderDepth {DecoderDepth} must not be negative");
        Require(MlpRatio > 0, $"MlpRatio {MlpRatio} must be positive");
        Require(NumClasses > 0, $"NumClasses {NumClasses} must be positive");
        Require(DropPathRate is >= 0 and < 1, $"DropPathRate {DropPathRate} must be in [0, 1)");
        Require(CosineScale is null || (CosineScale > 0 && double.IsFinite(CosineScale.Value)), $"CosineScale {CosineScale} must be finite and > 0");
    }
}
