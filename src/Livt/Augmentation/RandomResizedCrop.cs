namespace Livt.Augmentation;

/// <summary>
/// torchvision's RandomResizedCrop: up to 10 attempts at a crop of area fraction U(scaleMin, scaleMax)
/// and log-uniform aspect ratio w/h in [ratioMin, ratioMax], placed uniformly; otherwise a centre crop
/// with the ratio clamped. The crop is resized to size×size.
/// </summary>
public sealed class RandomResizedCrop : IImageTransform
{
    private readonly int _size;
    private readonly double _scaleMin, _scaleMax, _logRatioMin, _logRatioMax, _ratioMin, _ratioMax;
    private readonly Interpolation _interpolation;

    /// <summary>Creates the transform (output <paramref name="size"/>×<paramref name="size"/>).</summary>
    public RandomResizedCrop(int size, double scaleMin = 0.08, double scaleMax = 1.0, double ratioMin = 3.0 / 4,
        double ratioMax = 4.0 / 3, Interpolation interpolation = Interpolation.Bicubic)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "crop size must be positive");
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1))
            throw new ArgumentException($"crop scale range [{scaleMin}, {scaleMax}] must satisfy 0 < min <= max <= 1");
        if (!(ratioMin > 0 && ratioMin <= ratioMax))
            throw new ArgumentException($"crop ratio range [{ratioMin}, {ratioMax}] must satisfy 0 < min <= max");
        _size = size;
        (_scaleMin, _scaleMax, _ratioMin, _ratioMax) = (scaleMin, scaleMax, ratioMin, ratioMax);
        (_logRatioMin, _logRatioMax) = (Math.Log(ratioMin), Math.Log(ratioMax));
        _interpolation = interpolation;
    }

    /// <summary>The crop (top, left, height, width) for an image of the given size, as torchvision's get_params.</summary>
    public (int Top, int Left, int Height, int Width) SampleCrop(int height, int width, Random rng)
    {
        double area = (double)height * width;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * rng.NextUniform(_scaleMin, _scaleMax);
            double ratio = Math.Exp(rng.NextUniform(_logRatioMin, _logRatioMax));
            int w = (int)Math.Round(Math.Sqrt(target * ratio));
            int h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && w <= width && h > 0 && h <= height)
                return (rng.Next(height - h + 1), rng.Next(width - w + 1), h, w);
        }
        double inRatio = (double)width / height;
        int ch = height, cw = width;
        if (inRatio < _ratioMin) ch = (int)Math.Round(cw / _ratioMin);
        else if (inRatio > _ratioMax) cw = (int)Math.Round(ch * _ratioMax);
        return ((height - ch) / 2, (width - cw) / 2, ch, cw);
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        var (top, left, h, w) = SampleCrop(image.Height, image.Width, rng);
        return Resampler.Resize(image, top, left, h, w, _size, _size, _interpolation, clamp: true);
    }
}
