using Livt.Augmentation;

namespace Livt.Tests.Augmentation;

internal static class TestImages
{
    /// <summary>A uniformly random image in [0, 1].</summary>
    public static Image Random(int channels, int height, int width, int seed)
    {
        var rng = new Random(seed);
        var img = new Image(channels, height, width);
        for (int i = 0; i < img.Pixels.Length; i++) img.Pixels[i] = (float)rng.NextDouble();
        return img;
    }

    /// <summary>An image whose pixel (c, y, x) is 100c + 10y + x (distinct, easy to trace).</summary>
    public static Image Indexed(int channels, int height, int width)
    {
        var img = new Image(channels, height, width);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) img[c, y, x] = 100 * c + 10 * y + x;
        return img;
    }
}
