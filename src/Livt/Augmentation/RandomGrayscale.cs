namespace Livt.Augmentation;

/// <summary>torchvision's <c>RandomGrayscale(p)</c>: with probability p an RGB image becomes gray in all
/// three channels (PIL's luma); grayscale images are unchanged.</summary>
public sealed class RandomGrayscale : IImageTransform
{
    private readonly double _p;

    /// <summary>Creates the transform.</summary>
    public RandomGrayscale(double p = 0.2)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "grayscale probability must be in [0, 1]");
        _p = p;
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        if (rng.NextDouble() < _p) ColorOps.Grayscale(image);
        return image;
    }
}
