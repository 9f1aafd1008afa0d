namespace Livt.Augmentation;

/// <summary>
/// timm's RandomErasing (applied after <see cref="Normalize"/>): with the given probability, one
/// rectangle of area U(0.02, 1/3) of the image and log-uniform aspect ratio in [0.3, 1/0.3] (10 attempts
/// to fit strictly inside) is replaced by N(0, 1) values per pixel ("pixel"), per channel ("rand") or 0 ("const").
/// </summary>
public sealed class RandomErasing : IImageTransform
{
    private const double MinArea = 0.02, MaxArea = 1.0 / 3;
    private static readonly double LogAspectMin = Math.Log(0.3), LogAspectMax = Math.Log(1 / 0.3);
    private readonly double _probability;
    private readonly string _mode;

    /// <summary>Creates the transform; <paramref name="mode"/> is "pixel", "rand" or "const".</summary>
    public RandomErasing(double probability = 0.25, string mode = "pixel")
    {
        if (probability is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "erasing probability must be in [0, 1]");
        _mode = mode.ToLowerInvariant();
        if (_mode is not ("pixel" or "rand" or "const"))
            throw new LivtException($"random erasing mode '{mode}' is not one of pixel, rand, const");
        _probability = probability;
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        if (rng.NextDouble() > _probability) return image;
        int imgH = image.Height, imgW = image.Width;
        double area = (double)imgH * imgW;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = rng.NextUniform(MinArea, MaxArea) * area;
            double aspect = Math.Exp(rng.NextUniform(LogAspectMin, LogAspectMax));
            int h = (int)Math.Round(Math.Sqrt(target * aspect));
            int w = (int)Math.Round(Math.Sqrt(target / aspect));
            if (w >= imgW || h >= imgH) continue;
            int top = rng.Next(imgH - h + 1), left = rng.Next(imgW - w + 1);
            Erase(image, top, left, h, w, rng);
            break;
        }
        return image;
    }

    private void Erase(Image image, int top, int left, int h, int w, Random rng)
    {
        Span<float> channelValue = stackalloc float[image.Channels];
        if (_mode == "rand") rng.FillGaussian(channelValue);
        else channelValue.Clear();
        for (int c = 0; c < image.Channels; c++)
            for (int y = top; y < top + h; y++)
            {
                var row = image.Pixels.AsSpan((c * image.Height + y) * image.Width + left, w);
                if (_mode == "pixel") rng.FillGaussian(row);
                else row.Fill(channelValue[c]);
            }
    }
}
