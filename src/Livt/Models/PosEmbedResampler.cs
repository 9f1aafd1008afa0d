using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>Resamples an absolute position table to another patch grid (MAE's
/// <c>interpolate_pos_embed</c>, timm's <c>resample_abs_pos_embed</c>).</summary>
public static class PosEmbedResampler
{
    /// <summary>[1, P + g², D] → [1, P + newGrid², D]: the <paramref name="prefixTokens"/> leading rows (the
    /// class token's, and a distillation token's) are kept, the g×g grid is resampled bicubically
    /// (align_corners false), in the input's dtype and device.</summary>
    public static Tensor Resample(Tensor posEmbed, int newGridSize, int prefixTokens = 1)
    {
        long tokens = posEmbed.shape[1] - prefixTokens, dim = posEmbed.shape[2];
        int grid = (int)Math.Round(Math.Sqrt(Math.Max(tokens, 0)));
        if (posEmbed.dim() != 3 || prefixTokens < 0 || (long)grid * grid != tokens || newGridSize <= 0)
            throw new ArgumentException($"expected a position table [1, {prefixTokens} + g², D] and a positive grid, got " +
                $"[{string.Join(", ", posEmbed.shape)}] and {newGridSize}");
        using var scope = torch.NewDisposeScope();
        var prefix = posEmbed[.., ..prefixTokens];
        var image = posEmbed[.., prefixTokens..].reshape(-1, grid, grid, dim).permute(0, 3, 1, 2);
        var resized = nn.functional.interpolate(image, size: new long[] { newGridSize, newGridSize },
            mode: InterpolationMode.Bicubic, align_corners: false);
        var tokensOut = resized.permute(0, 2, 3, 1).flatten(1, 2);
        return torch.cat(new[] { prefix, tokensOut }, 1).MoveToOuterDisposeScope();
    }
}
