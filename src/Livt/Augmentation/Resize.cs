namespace Livt.Augmentation;

/// <summary>Resizes to exactly height×width (aspect ratio not kept).</summary>
public sealed class Resize : IImageTransform
{
    private readonly int _height, _width;
    private readonly Interpolation _interpolation;

    /// <summary>Creates the transform.</summary>
    public Resize(int height, int width, Interpolation interpolation = Interpolation.Bilinear)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"resize target {height}x{width} is empty");
        (_height, _width, _interpolation) = (height, width, interpolation);
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng) =>
        image.Height == _height && image.Width == _width
            ? image
            : Resampler.Resize(image, 0, 0, image.Height, image.Width, _height, _width, _interpolation, clamp: true);
}
