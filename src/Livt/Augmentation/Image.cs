namespace Livt.Augmentation;

/// <summary>
/// One decoded image as the augmentation pipeline sees it: planar (channel, row, column) floats in
/// [0, 1], 1 channel (grayscale) or 3 (RGB). Kept as a plain array rather than a tensor so per-sample
/// transforms run on loader threads without native calls or dispose scopes.
/// </summary>
public sealed class Image
{
    /// <summary>Creates an image; <paramref name="pixels"/> (length C·H·W, CHW order) is used as is, or zeros.</summary>
    public Image(int channels, int height, int width, float[]? pixels = null)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"images have 1 or 3 channels, not {channels}");
        if (height <= 0 || width <= 0) throw new ArgumentException($"image size {height}x{width} is empty");
        Pixels = pixels ?? new float[channels * height * width];
        if (Pixels.Length != channels * height * width)
            throw new ArgumentException($"{Pixels.Length} pixels given for a {channels}x{height}x{width} image");
        Channels = channels;
        Height = height;
        Width = width;
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>CHW pixel values, nominally in [0, 1].</summary>
    public float[] Pixels { get; }

    /// <summary>The value at channel <paramref name="c"/>, row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public float this[int c, int y, int x]
    {
        get => Pixels[(c * Height + y) * Width + x];
        set => Pixels[(c * Height + y) * Width + x] = value;
    }

    /// <summary>A deep copy.</summary>
    public Image Clone() => new(Channels, Height, Width, (float[])Pixels.Clone());
}
