using Livt.Augmentation;
using SkiaSharp;

namespace Livt.Data;

/// <summary>Decodes JPEG, PNG, WebP (and the other formats SkiaSharp reads) to an <see cref="Image"/>.</summary>
public static class ImageDecoder
{
    /// <summary>The largest image decoded, in pixels (8000 × 5000; ImageNet's largest is 12 million): decoding
    /// takes 16 bytes a pixel (RGBA, then planar floats), so a damaged or crafted header costs at most
    /// 640 MB instead of gigabytes. Larger images are a <see cref="CorruptImageException"/>, which
    /// <c>--skip-corrupt</c> skips.</summary>
    public const long MaxPixels = 40_000_000;

    /// <summary>
    /// Decodes <paramref name="encoded"/> to RGB (<paramref name="channels"/> 3) or grayscale (1).
    /// Alpha is dropped, not composited, and grayscale uses ITU-R 601 luma, as PIL's
    /// <c>convert("RGB")</c> / <c>convert("L")</c> do.
    /// </summary>
    /// <param name="encoded">The file's bytes.</param>
    /// <param name="channels">3 for RGB, 1 for grayscale.</param>
    /// <param name="source">Names the image in error messages.</param>
    /// <exception cref="CorruptImageException">Undecodable or truncated data.</exception>
    public static Image Decode(byte[] encoded, int channels, string source)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"decode to 1 or 3 channels, not {channels}");
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new CorruptImageException($"{source}: not a decodable image (unknown format or corrupt header)");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        if (info.Width <= 0 || info.Height <= 0) throw new CorruptImageException($"{source}: image has no pixels");
        if ((long)info.Width * info.Height > MaxPixels)
            throw new CorruptImageException($"{source}: the header claims {info.Width}×{info.Height} pixels, more than the {MaxPixels} decoded at most (a " +
                "damaged header, a decompression bomb, or an image to shrink first)");
        var rgba = new byte[info.BytesSize];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p);
        }
        if (result == SKCodecResult.IncompleteInput)
            throw new CorruptImageException($"{source}: truncated image data");
        if (result != SKCodecResult.Success)
            throw new CorruptImageException($"{source}: cannot decode image ({result})");
        return ToPlanar(rgba, info.Width, info.Height, channels);
    }

    /// <summary>Reads and decodes the image file <paramref name="path"/> (see <see cref="Decode"/>).</summary>
    /// <exception cref="LivtException">The file does not exist.</exception>
    /// <exception cref="CorruptImageException">Undecodable or truncated data.</exception>
    public static Image DecodeFile(string path, int channels)
    {
        if (!File.Exists(path)) throw new LivtException($"{path}: image file not found");
        return Decode(File.ReadAllBytes(path), channels, path);
    }

    private static Image ToPlanar(byte[] rgba, int width, int height, int channels)
    {
        int plane = width * height;
        var pixels = new float[channels * plane];
        var table = ByteScale.ToUnit;
        if (channels == 3)
        {
            for (int i = 0, s = 0; i < plane; i++, s += 4)
            {
                pixels[i] = table[rgba[s]];
                pixels[plane + i] = table[rgba[s + 1]];
                pixels[2 * plane + i] = table[rgba[s + 2]];
            }
        }
        else
        {
            for (int i = 0, s = 0; i < plane; i++, s += 4)
                pixels[i] = (rgba[s] * 0.299f + rgba[s + 1] * 0.587f + rgba[s + 2] * 0.114f) / 255f;
        }
        return new Image(channels, height, width, pixels);
    }
}
