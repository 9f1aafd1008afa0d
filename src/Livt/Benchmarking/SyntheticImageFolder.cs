using SkiaSharp;


namespace Livt.Benchmarking;

/// <summary>
/// An ImageFolder tree of 256-px JPEGs (smooth random colour fields, so they compress and decode like
/// photos rather than noise) for measuring the decode + augmentation cost of ImageNet-style data
/// without downloading any. Written once and reused.
/// </summary>
public static class SyntheticImageFolder
{
    private const int Classes = 10, PerClass = 40, Size = 256;

    /// <summary>Creates the tree under <paramref name="root"/> unless it is already complete; returns root.</summary>
    public static string Ensure(string root, Action<string>? progress = null)
    {
        var done = Path.Combine(root, ".complete");
        if (File.Exists(done)) return root;
        progress?.Invoke($"writing {Classes * PerClass * 2} synthetic {Size}-px JPEGs to {root}");
        var rng = new Random(1234);
        foreach (var split in new[] { "train", "val" })
            for (int c = 0; c < Classes; c++)
            {
                var dir = Path.Combine(root, split, $"class_{c:D2}");
                Directory.CreateDirectory(dir);
                for (int i = 0; i < PerClass; i++)
                    WriteJpeg(Path.Combine(dir, $"img_{i:D3}.jpg"), rng);
            }
        File.WriteAllText(done, "");
        return root;
    }

    private static void WriteJpeg(string path, Random rng)
    {
        using var bitmap = new SKBitmap(Size, Size, SKColorType.Rgba8888, SKAlphaType.Premul);
        // A bilinear blend of four random corner colours plus a little noise.
        var corners = Enumerable.Range(0, 4).Select(_ => (r: rng.Next(256), g: rng.Next(256), b: rng.Next(256))).ToArray();
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
            {
                double u = x / (Size - 1.0), v = y / (Size - 1.0);
                byte Mix(Func<(int r, int g, int b), int> ch) => (byte)Math.Clamp(
                    (1 - u) * (1 - v) * ch(corners[0]) + u * (1 - v) * ch(corners[1]) + (1 - u) * v * ch(corners[2]) + u * v * ch(corners[3])
                    + rng.Next(-12, 13), 0, 255);
                bitmap.SetPixel(x, y, new SKColor(Mix(c => c.r), Mix(c => c.g), Mix(c => c.b)));
            }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
