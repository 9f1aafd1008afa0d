namespace Livt.Augmentation;

/// <summary>MoCo v3's <c>moco.loader.Solarize</c> (PIL's <c>ImageOps.solarize</c>, threshold 128): every level
/// at or above the threshold is inverted. BYOL's second view applies it with probability 0.2.</summary>
public sealed class Solarize : IImageTransform
{
    private readonly int _threshold;

    /// <summary>Creates the transform for a threshold in 8-bit levels (0–256).</summary>
    public Solarize(int threshold = 128)
    {
        if (threshold is < 0 or > 256) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold must be in [0, 256]");
        _threshold = threshold;
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        ColorOps.Solarize(image, _threshold);
        return image;
    }
}
