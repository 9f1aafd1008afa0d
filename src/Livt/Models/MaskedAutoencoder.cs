using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// A masked autoencoder as the MAE paper describes it (He et al., CVPR 2022), with the parameter names of
/// MAE's released checkpoints so that they load: the encoder (<c>patch_embed</c>, <c>cls_token</c>,
/// fixed <c>pos_embed</c>, <c>blocks</c>, <c>norm</c>) runs on the kept patches only; the decoder
/// (<c>decoder_embed</c>, <c>mask_token</c>, fixed <c>decoder_pos_embed</c>, <c>decoder_blocks</c>,
/// <c>decoder_norm</c>, <c>decoder_pred</c>) reconstructs every patch; the loss is over the removed patches.
/// </summary>
/// <remarks>The two position tables are parameters with <c>requires_grad</c> false, as in MAE, so they
/// are saved in the state dict under MAE's names but never trained. Blocks have no drop path (MAE
/// pretrains without it); <see cref="VitConfig.DropPathRate"/> is for fine-tuning.</remarks>
public sealed class MaskedAutoencoder : nn.Module
{
    private const double NormPixEps = 1e-6;

    private readonly PatchEmbed patch_embed;
    private readonly Parameter cls_token;
    private readonly Parameter pos_embed;
    private readonly ModuleList<Block> blocks;
    private readonly LayerNorm norm;
    private readonly Linear decoder_embed;
    private readonly Parameter mask_token;
    private readonly Parameter decoder_pos_embed;
    private readonly ModuleList<Block> decoder_blocks;
    private readonly LayerNorm decoder_norm;
    private readonly Linear decoder_pred;

    /// <summary>Builds the autoencoder with MAE's initialisation, drawing from <paramref name="generator"/>
    /// (libtorch's global generator when null).</summary>
    /// <param name="config">The encoder and decoder.</param>
    /// <param name="generator">Random source of the initialisation.</param>
    /// <param name="predictionDim">Width of <c>decoder_pred</c>'s output per patch: p·p·C pixels when null (MAE);
    /// another width predicts features instead (a teacher's, in MimCo), and <see cref="Forward"/>'s pixel loss
    /// does not apply.</param>
    /// <exception cref="ArgumentException">The configuration is inconsistent.</exception>
    public MaskedAutoencoder(VitConfig config, Generator? generator = null, int? predictionDim = null) : base(nameof(MaskedAutoencoder))
    {
        config.Validate();
        if (predictionDim is < 1) throw new ArgumentException($"prediction width {predictionDim} must be positive", nameof(predictionDim));
        Config = config;
        PredictionDim = predictionDim ?? config.PatchSize * config.PatchSize * config.InChans;
        int d = config.EmbedDim, dd = config.DecoderEmbedDim, p = config.PatchSize;
        patch_embed = new PatchEmbed(config.ImageSize, p, config.InChans, d);
        cls_token = new Parameter(torch.zeros(1, 1, d));
        pos_embed = new Parameter(torch.zeros(1, config.NumPatches + 1, d), requires_grad: false);
        blocks = Block.Stack(config.Depth, d, config.NumHeads, config.MlpRatio, 0.0, config.Attention);
        norm = nn.LayerNorm(d, eps: Block.NormEps);
        decoder_embed = nn.Linear(d, dd);
        mask_token = new Parameter(torch.zeros(1, 1, dd));
        decoder_pos_embed = new Parameter(torch.zeros(1, config.NumPatches + 1, dd), requires_grad: false);
        decoder_blocks = Block.Stack(config.DecoderDepth, dd, config.DecoderNumHeads, config.MlpRatio, 0.0, config.Attention);
        decoder_norm = nn.LayerNorm(dd, eps: Block.NormEps);
        decoder_pred = nn.Linear(dd, PredictionDim);
        RegisterComponents();

        MaeInit.FillSinCos(pos_embed, config.GridSize);
        MaeInit.FillSinCos(decoder_pos_embed, config.GridSize);
        MaeInit.Apply(this, patch_embed, generator, cls_token, mask_token);
    }

    /// <summary>The configuration the model was built from.</summary>
    public VitConfig Config { get; }

    /// <summary>Width of the decoder's prediction per patch (p·p·C for pixels).</summary>
    public int PredictionDim { get; }

    /// <summary>
    /// Masks each image at random, encodes the kept patches, reconstructs all of them and scores the
    /// removed ones.
    /// </summary>
    /// <param name="images">[N, C, H, W] at the configured channels and size.</param>
    /// <param name="maskRatio">Fraction of patches removed, in [0, 1); MAE keeps
    /// ⌊L·(1 − ratio)⌋ patches.</param>
    /// <param name="noise">[N, L] values in [0, 1): the patches with the smallest noise are kept. Given
    /// for exact reproduction; otherwise drawn uniformly with <paramref name="generator"/>.</param>
    /// <param name="generator">Random source for the noise (global RNG when null).</param>
    /// <returns>Loss (scalar), Pred [N, L, p·p·C] (normalised pixels when <see cref="VitConfig.NormPixLoss"/>),
    /// Mask [N, L] (1 = removed, 0 = kept).</returns>
    /// <exception cref="ArgumentException">Wrong image shape, noise shape or mask ratio.</exception>
    public (Tensor Loss, Tensor Pred, Tensor Mask) Forward(Tensor images, double maskRatio = 0.75, Tensor? noise = null, Generator? generator = null)
    {
        if (PredictionDim != Config.PatchSize * Config.PatchSize * Config.InChans)
            throw new InvalidOperationException($"this autoencoder predicts {PredictionDim}-wide features, not pixels: use ForwardEncoder and ForwardDecoder");
        using var scope = torch.NewDisposeScope();
        var (latent, mask, kept) = ForwardEncoder(images, maskRatio, noise, generator);
        var pred = ForwardDecoder(latent, kept);
        var loss = ForwardLoss(images, pred, mask);
        return (loss.MoveToOuterDisposeScope(), pred.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary>[N, C, H, W] → [N, L, p·p·C], each patch flattened row by row with channels last
    /// (the layout of MAE's pixel targets).</summary>
    public Tensor Patchify(Tensor images)
    {
        int p = Config.PatchSize, c = Config.InChans, g = Config.GridSize;
        if (images.dim() != 4 || images.shape[1] != c || images.shape[2] != Config.ImageSize || images.shape[3] != Config.ImageSize)
            throw new ArgumentException(
                $"expected images of shape [N, {c}, {Config.ImageSize}, {Config.ImageSize}], got [{string.Join(", ", images.shape)}]", nameof(images));
        long n = images.shape[0];
        using var grid = images.reshape(n, c, g, p, g, p);
        using var perm = grid.permute(0, 2, 4, 3, 5, 1);
        return perm.reshape(n, g * g, p * p * c);
    }

    /// <summary>Inverse of <see cref="Patchify"/>: [N, L, p·p·C] → [N, C, H, W].</summary>
    public Tensor Unpatchify(Tensor patches)
    {
        int p = Config.PatchSize, c = Config.InChans, g = Config.GridSize;
        if (patches.dim() != 3 || patches.shape[1] != g * g || patches.shape[2] != p * p * c)
            throw new ArgumentException(
                $"expected patches of shape [N, {g * g}, {p * p * c}], got [{string.Join(", ", patches.shape)}]", nameof(patches));
        long n = patches.shape[0];
        using var grid = patches.reshape(n, g, g, p, p, c);
        using var perm = grid.permute(0, 5, 1, 3, 2, 4);
        return perm.reshape(n, c, g * p, g * p);
    }

    /// <summary>
    /// The encoder on the kept patches and the class token (MAE's <c>forward_encoder</c>): each image's patches
    /// are masked at random, the kept ones encoded after the cls token.
    /// </summary>
    /// <param name="images">[N, C, H, W] at the configured channels and size.</param>
    /// <param name="maskRatio">Fraction of patches removed, in [0, 1).</param>
    /// <param name="noise">[N, L] masking noise (the smallest are kept), or null to draw it from <paramref name="generator"/>.</param>
    /// <param name="generator">Random source for the noise (global RNG when null).</param>
    /// <returns>Latent [N, 1 + K, D] after <c>norm</c> (cls token first), Mask [N, L] (1 = removed), Kept [N, K]
    /// (the kept patches' indices, smallest noise first), all owned by the caller's dispose scope.</returns>
    /// <exception cref="ArgumentException">Wrong noise shape or mask ratio.</exception>
    public (Tensor Latent, Tensor Mask, Tensor Kept) ForwardEncoder(Tensor images, double maskRatio, Tensor? noise = null, Generator? generator = null)
    {
        if (maskRatio is < 0 or >= 1 || double.IsNaN(maskRatio))
            throw new ArgumentException($"mask ratio must be in [0, 1), got {maskRatio}", nameof(maskRatio));
        // Scalars held for the calls: a temporary one (the alpha `a + b` makes) can be finalized while
        // libtorch reads it (see Block).
        using Scalar one = 1;
        var tokens = patch_embed.call(images).add(pos_embed[.., 1..], one);
        long n = tokens.shape[0], l = tokens.shape[1], d = tokens.shape[2];
        if (noise is null)
            noise = CpuRandom.Rand([n, l], tokens.device, generator);
        else if (noise.dim() != 2 || noise.shape[0] != n || noise.shape[1] != l)
            throw new ArgumentException($"expected masking noise of shape [{n}, {l}], got [{string.Join(", ", noise.shape)}]", nameof(noise));
        // A random subset of the patches per image: the ⌊L·(1 − ratio)⌋ with the smallest noise.
        var kept = noise.to(tokens.device).argsort(1)[.., ..(int)(l * (1 - maskRatio))];
        // At least fp32 whatever the working dtype: the loss divides by its sum.
        var maskType = Fp32.AtLeast(tokens.dtype);
        var mask = torch.ones(n, l, dtype: maskType, device: tokens.device).scatter(1, kept, torch.zeros(kept.shape, dtype: maskType, device: tokens.device));
        var visible = tokens.gather(1, kept.unsqueeze(-1).expand(-1, -1, d));
        var cls = cls_token.add(pos_embed[.., ..1], one).expand(n, -1, -1);
        var x = torch.cat(new[] { cls, visible }, 1);
        foreach (var block in blocks) x = block.call(x);
        return (Fp32.LayerNorm(norm, x), mask, kept);
    }

    /// <summary>Every patch's prediction (MAE's <c>forward_decoder</c>): the mask token in every place, the encoded
    /// patches put back into theirs, the decoder's position table added; [N, L, <see cref="PredictionDim"/>],
    /// owned by the caller's dispose scope.</summary>
    public Tensor ForwardDecoder(Tensor latent, Tensor kept)
    {
        var x = decoder_embed.call(latent);
        long n = x.shape[0], l = decoder_pos_embed.shape[1] - 1, dd = x.shape[2];
        var places = mask_token.expand(n, l, -1).scatter(1, kept.unsqueeze(-1).expand(-1, -1, dd), x[.., 1..]);
        using Scalar one = 1;
        x = torch.cat(new[] { x[.., ..1], places }, 1).add(decoder_pos_embed, one);
        foreach (var block in decoder_blocks) x = block.call(x);
        x = decoder_pred.call(Fp32.LayerNorm(decoder_norm, x));
        return x[.., 1..];
    }

    private Tensor ForwardLoss(Tensor images, Tensor pred, Tensor mask)
    {
        // The norm-pix target and the loss in fp32 whatever the working dtype, as under autocast: given
        // fp32 images, the target's per-patch statistics come from the exact pixels.
        var target = Patchify(images.to(Fp32.AtLeast(images.dtype)));
        pred = pred.to(Fp32.AtLeast(pred.dtype));
        using Scalar one = 1, eps = NormPixEps, two = 2;
        if (Config.NormPixLoss)
        {
            var mean = target.mean(new long[] { -1 }, keepdim: true);
            var variance = target.var(-1, unbiased: true, keepdim: true);
            target = (target - mean) / variance.add(eps, one).sqrt();
        }
        var perPatch = (pred - target).pow(two).mean(new long[] { -1 });
        return (perPatch * mask).sum() / mask.sum();
    }
}
