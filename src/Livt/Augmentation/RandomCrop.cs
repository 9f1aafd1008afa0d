namespace Livt.Augmentation;

/// <summary>
/// torchvision's <c>RandomCrop(size, padding)</c> with its defaults: the image padded by
/// <c>padding</c> pixels of 0 on every side, then a size×size window at a uniformly drawn offset
/// (top first, then left, each in [0, padded − size]). CIFAR's standard training crop is
/// <c>RandomCrop(32, padding=4)</c>.
/// </summary>
public sealed class RandomCrop : IImageTransform
{
    private readonly int _size, _padding;

    /// <summary>Creates the transform.</summary>
    /// <param name="size">Side of the square output.</param>
    /// <param name="padding">Zero pixels added on every side before cropping.</param>
    public RandomCrop(int size, int padding = 0)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "crop size must be positive");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "padding must not be negative");
        (_size, _padding) = (size, padding);
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        ArgumentNullException.ThrowIfNull(image);
        int height = image.Height + 2 * _padding, width = image.Width + 2 * _padding;
        if (height < _size || width < _size)
            throw new ArgumentException($"a {_size}-px crop does not fit a {image.Height}×{image.Width} image padded by {_padding}");
        int top = rng.Next(height - _size + 1), left = rng.Next(width - _size + 1);
        var output = new Image(image.Channels, _size, _size);
        for (int c = 0; c < image.Channels; c++)
            for (int y = 0; y < _size; y++)
            {
                int sy = top + y - _padding;
                if (sy < 0 || sy >= image.Height) continue;
                for (int x = 0; x < _size; x++)
                {
                    int sx = left + x - _padding;
                    if (sx >= 0 && sx < image.Width) output[c, y, x] = image[c, sy, sx];
                }
            }
        return output;
    }
}
