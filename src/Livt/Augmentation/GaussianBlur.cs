namespace Livt.Augmentation;

/// <summary>
/// SimCLR / MoCo v2's blur (<c>moco.loader.GaussianBlur</c>): σ drawn uniformly from [σ_min, σ_max]
/// pixels per image, then a separable Gaussian truncated at 3σ with edge pixels repeated. PIL's
/// <c>GaussianBlur(radius=σ)</c>, which the official code calls, approximates the same Gaussian by
/// repeated box blurs.
/// </summary>
public sealed class GaussianBlur : IImageTransform
{
    private readonly double _sigmaMin, _sigmaMax;

    /// <summary>Creates the transform (MoCo v2: σ in [0.1, 2] at 224 px).</summary>
    public GaussianBlur(double sigmaMin = 0.1, double sigmaMax = 2.0)
    {
        if (!(sigmaMin > 0 && sigmaMin <= sigmaMax && double.IsFinite(sigmaMax)))
            throw new ArgumentException($"blur σ range [{sigmaMin}, {sigmaMax}] must satisfy 0 < min ≤ max");
        (_sigmaMin, _sigmaMax) = (sigmaMin, sigmaMax);
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        double sigma = rng.NextUniform(_sigmaMin, _sigmaMax);
        int radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var kernel = new float[2 * radius + 1];
        double sum = 0;
        for (int k = -radius; k <= radius; k++) sum += kernel[k + radius] = (float)Math.Exp(-k * k / (2 * sigma * sigma));
        for (int k = 0; k < kernel.Length; k++) kernel[k] = (float)(kernel[k] / sum);

        int h = image.Height, w = image.Width;
        var p = image.Pixels;
        var row = new float[Math.Max(h, w)];
        for (int c = 0; c < image.Channels; c++)
        {
            int b = c * h * w;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++) row[x] = p[b + y * w + x];
                for (int x = 0; x < w; x++)
                {
                    float acc = 0;
                    for (int k = -radius; k <= radius; k++) acc += kernel[k + radius] * row[Math.Clamp(x + k, 0, w - 1)];
                    p[b + y * w + x] = acc;
                }
            }
            for (int x = 0; x < w; x++)
            {
                for (int y = 0; y < h; y++) row[y] = p[b + y * w + x];
                for (int y = 0; y < h; y++)
                {
                    float acc = 0;
                    for (int k = -radius; k <= radius; k++) acc += kernel[k + radius] * row[Math.Clamp(y + k, 0, h - 1)];
                    p[b + y * w + x] = acc;
                }
            }
        }
        return image;
    }
}
