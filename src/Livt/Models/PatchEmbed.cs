using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>timm's <c>PatchEmbed</c>: a Conv2d with kernel = stride = patch size (<c>proj</c>), then
/// the grid flattened to tokens. [N,C,H,W] → [N, (H/p)(W/p), D].</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;
    private readonly int _imageSize, _inChans;

    /// <summary>Creates the embedding for square <paramref name="imageSize"/> inputs.</summary>
    public PatchEmbed(int imageSize, int patchSize, int inChans, int embedDim) : base(nameof(PatchEmbed))
    {
        _imageSize = imageSize;
        _inChans = inChans;
        proj = nn.Conv2d(inChans, embedDim, kernel_size: patchSize, stride: patchSize);
        RegisterComponents();
    }

    /// <summary>The projection (weight [D, C, p, p], bias [D]).</summary>
    public Conv2d Proj => proj;

    public override Tensor forward(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != _inChans || images.shape[2] != _imageSize || images.shape[3] != _imageSize)
            throw new ArgumentException(
                $"expected images of shape [N, {_inChans}, {_imageSize}, {_imageSize}], got [{string.Join(", ", images.shape)}]",
                nameof(images));
        // Inputs come in fp32; a bf16 working copy converts them here, so callers need not know its dtype.
        var dtype = proj.weight!.dtype;
        using var input = images.dtype == dtype ? images.alias() : images.to(dtype);
        using var grid = proj.call(input);
        return grid.flatten(2).transpose(1, 2);
    }
}
