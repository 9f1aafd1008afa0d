using System.Buffers.Binary;
using System.IO.Compression;
using Livt.Augmentation;
using Livt.Data;
using SkiaSharp;

namespace Livt.Tests.Data;

/// <summary>A temporary folder the tests write their small data files into.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "livt-data-" + Guid.NewGuid().ToString("N"));

    public string File(string relative)
    {
        string full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Writers for tiny files in the real formats.</summary>
public static class DataFixtures
{
    public const string FashionMnistDir = "/usr/share/datasets/fashion-mnist";

    public static void WriteIdx(string path, int[] dims, byte[] data, bool gzip = false, byte magicType = 0x08)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = magicType;
        bytes[3] = (byte)dims.Length;
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return;
        }
        using var file = File.Create(path);
        using var stream = new GZipStream(file, CompressionLevel.Fastest);
        stream.Write(bytes);
    }

    /// <summary>A CIFAR binary file: record r has (coarse) label bytes then pixel value (r*7 + i) % 256.</summary>
    public static void WriteCifar(string path, int[][] labels)
    {
        using var file = File.Create(path);
        for (int r = 0; r < labels.Length; r++)
        {
            foreach (int l in labels[r]) file.WriteByte((byte)l);
            for (int i = 0; i < 3072; i++) file.WriteByte((byte)((r * 7 + i) % 256));
        }
    }

    /// <summary>A PNG whose pixel (x, y) is (r, g, b) = (10x, 20y, value).</summary>
    public static void WritePng(string path, int width, int height, byte value)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(10 * x), (byte)(20 * y), value));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>An in-memory dataset of 1×4×4 images, image i filled with i % 256, labels given.</summary>
    public static InMemoryImageDataset Synthetic(int[] labels, int numClasses)
    {
        var pixels = new byte[labels.Length * 16];
        for (int i = 0; i < labels.Length; i++) pixels.AsSpan(i * 16, 16).Fill((byte)(i % 256));
        return new InMemoryImageDataset(pixels, labels, 1, 4, 4, Enumerable.Range(0, numClasses).Select(c => $"c{c}").ToArray());
    }
}

/// <summary>A random transform for determinism tests: a seeded flip plus seeded noise.</summary>
public sealed class NoisyFlip : IImageTransform
{
    public Image Apply(Image image, Random rng)
    {
        bool flip = rng.Next(2) == 1;
        var result = new Image(image.Channels, image.Height, image.Width);
        for (int c = 0; c < image.Channels; c++)
            for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                    result[c, y, x] = image[c, y, flip ? image.Width - 1 - x : x] + (float)rng.NextDouble() * 0.01f;
        return result;
    }
}
