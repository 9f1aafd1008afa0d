namespace Livt.Augmentation;

/// <summary>(x − mean[c]) / std[c] per channel, in place. One value broadcasts over all channels.</summary>
public sealed class Normalize : IImageTransform
{
    private readonly float[] _mean, _std;

    /// <summary>Creates the transform; <paramref name="mean"/> and <paramref name="std"/> have 1 or C values.</summary>
    public Normalize(float[] mean, float[] std)
    {
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"normalisation needs as many means as stds (got {mean.Length} and {std.Length})");
        if (std.Any(s => !(s > 0))) throw new ArgumentException("normalisation stds must be positive");
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        if (_mean.Length != 1 && _mean.Length != image.Channels)
            throw new ArgumentException($"{_mean.Length} normalisation values for a {image.Channels}-channel image");
        int plane = image.Height * image.Width;
        var p = image.Pixels;
        for (int c = 0; c < image.Channels; c++)
        {
            float m = _mean[_mean.Length == 1 ? 0 : c], inv = 1f / _std[_std.Length == 1 ? 0 : c];
            for (int i = c * plane; i < (c + 1) * plane; i++) p[i] = (p[i] - m) * inv;
        }
        return image;
    }
}
