namespace Livt.Augmentation;

/// <summary>Mirrors the image left–right with probability p (in place).</summary>
public sealed class RandomHorizontalFlip : IImageTransform
{
    private readonly double _p;

    /// <summary>Creates the transform.</summary>
    public RandomHorizontalFlip(double p = 0.5)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "flip probability must be in [0, 1]");
        _p = p;
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        if (rng.NextDouble() >= _p) return image;
        int w = image.Width;
        for (int row = 0; row < image.Channels * image.Height; row++)
            image.Pixels.AsSpan(row * w, w).Reverse();
        return image;
    }
}
