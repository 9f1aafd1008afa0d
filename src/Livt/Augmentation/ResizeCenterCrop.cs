namespace Livt.Augmentation;

/// <summary>
/// Evaluation resize: the shorter side goes to floor(size / cropPct) (aspect kept, as torchvision's
/// Resize(int)), then the central size×size crop is kept (offsets rounded half-to-even as torchvision).
/// Only the cropped outputs are computed.
/// </summary>
public sealed class ResizeCenterCrop : IImageTransform
{
    private readonly int _size;
    private readonly double _cropPct;
    private readonly Interpolation _interpolation;

    /// <summary>Creates the transform; <paramref name="cropPct"/> in (0, 1].</summary>
    public ResizeCenterCrop(int size, double cropPct = 0.875, Interpolation interpolation = Interpolation.Bicubic)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "crop size must be positive");
        if (cropPct is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(cropPct), cropPct, "crop fraction must be in (0, 1]");
        (_size, _cropPct, _interpolation) = (size, cropPct, interpolation);
    }

    /// <summary>The shorter side after the resize (32 for 28 px at 0.875, 256 for 224 px).</summary>
    public int ScaleSize => (int)Math.Floor(_size / _cropPct + 1e-9);

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        int s = ScaleSize, h = image.Height, w = image.Width;
        int outH, outW;
        if (h <= w) (outH, outW) = (s, (int)((long)s * w / h));
        else (outH, outW) = ((int)((long)s * h / w), s);
        int top = (int)Math.Round((outH - _size) / 2.0), left = (int)Math.Round((outW - _size) / 2.0);
        return Resampler.Resize(image, 0, 0, h, w,
            Resampler.Weights(h, outH, top, _size, _interpolation),
            Resampler.Weights(w, outW, left, _size, _interpolation), clamp: true);
    }
}
