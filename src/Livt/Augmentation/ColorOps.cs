namespace Livt.Augmentation;

/// <summary>
/// PIL's ImageOps / ImageEnhance point and blend operations on [0, 1] images. Histogram and table ops
/// (autocontrast, equalize, posterize, solarize, solarize-add) work on values quantised to 0–255 exactly
/// as PIL's uint8 images; blends work in float and clamp to [0, 1]. Grayscale images are handled as PIL's
/// "L" mode (colour saturation is then a no-op). All operate in place.
/// </summary>
internal static class ColorOps
{
    /// <summary>The 0–255 level of a [0, 1] value (rounded, clamped).</summary>
    public static int Quantize(float v) => Math.Clamp((int)(v * 255f + 0.5f), 0, 255);

    /// <summary>Maps every pixel of channel c through lut[c·256 + level] / 255.</summary>
    private static void ApplyLut(Image img, ReadOnlySpan<byte> lut, bool perChannel)
    {
        int plane = img.Height * img.Width;
        var p = img.Pixels;
        for (int c = 0; c < img.Channels; c++)
        {
            var table = perChannel ? lut.Slice(c * 256, 256) : lut;
            for (int i = c * plane; i < (c + 1) * plane; i++) p[i] = table[Quantize(p[i])] / 255f;
        }
    }

    private static void Histogram(Image img, int c, Span<int> hist)
    {
        hist.Clear();
        int plane = img.Height * img.Width;
        for (int i = c * plane; i < (c + 1) * plane; i++) hist[Quantize(img.Pixels[i])]++;
    }

    /// <summary>PIL autocontrast (cutoff 0): per channel, stretch [lowest, highest] used level to [0, 255].</summary>
    public static void AutoContrast(Image img)
    {
        Span<byte> lut = stackalloc byte[256 * img.Channels];
        Span<int> h = stackalloc int[256];
        for (int c = 0; c < img.Channels; c++)
        {
            Histogram(img, c, h);
            int lo = 0, hi = 255;
            while (lo < 255 && h[lo] == 0) lo++;
            while (hi > 0 && h[hi] == 0) hi--;
            var table = lut.Slice(c * 256, 256);
            if (hi <= lo)
            {
                for (int i = 0; i < 256; i++) table[i] = (byte)i;
                continue;
            }
            double scale = 255.0 / (hi - lo), offset = -lo * scale;
            for (int i = 0; i < 256; i++) table[i] = (byte)Math.Clamp((int)(i * scale + offset), 0, 255);
        }
        ApplyLut(img, lut, perChannel: true);
    }

    /// <summary>PIL equalize: per channel, level → cumulative count (excluding the top used level) over 255ths.</summary>
    public static void Equalize(Image img)
    {
        Span<byte> lut = stackalloc byte[256 * img.Channels];
        Span<int> h = stackalloc int[256];
        for (int c = 0; c < img.Channels; c++)
        {
            Histogram(img, c, h);
            var table = lut.Slice(c * 256, 256);
            int used = 0, total = 0, last = 0;
            for (int i = 0; i < 256; i++)
                if (h[i] != 0) { used++; total += h[i]; last = h[i]; }
            int step = used <= 1 ? 0 : (total - last) / 255;
            if (step == 0)
            {
                for (int i = 0; i < 256; i++) table[i] = (byte)i;
                continue;
            }
            int n = step / 2;
            for (int i = 0; i < 256; i++)
            {
                table[i] = (byte)Math.Min(n / step, 255);
                n += h[i];
            }
        }
        ApplyLut(img, lut, perChannel: true);
    }

    /// <summary>1 − v.</summary>
    public static void Invert(Image img)
    {
        var p = img.Pixels;
        for (int i = 0; i < p.Length; i++) p[i] = 1f - p[i];
    }

    /// <summary>Keeps the <paramref name="bits"/> most significant bits of each 8-bit level (0 bits → black).</summary>
    public static void Posterize(Image img, int bits)
    {
        if (bits >= 8) return;
        Span<byte> lut = stackalloc byte[256];
        int mask = ~((1 << (8 - Math.Max(bits, 0))) - 1);
        for (int i = 0; i < 256; i++) lut[i] = (byte)(i & mask);
        ApplyLut(img, lut, perChannel: false);
    }

    /// <summary>Levels at or above <paramref name="threshold"/> (0–256) are inverted.</summary>
    public static void Solarize(Image img, int threshold)
    {
        Span<byte> lut = stackalloc byte[256];
        for (int i = 0; i < 256; i++) lut[i] = (byte)(i < threshold ? i : 255 - i);
        ApplyLut(img, lut, perChannel: false);
    }

    /// <summary>Levels below <paramref name="threshold"/> get <paramref name="add"/> added (saturating at 255).</summary>
    public static void SolarizeAdd(Image img, int add, int threshold = 128)
    {
        Span<byte> lut = stackalloc byte[256];
        for (int i = 0; i < 256; i++) lut[i] = (byte)(i < threshold ? Math.Min(255, i + add) : i);
        ApplyLut(img, lut, perChannel: false);
    }

    /// <summary>PIL's "L" level of pixel i of an RGB image: (19595 R + 38470 G + 7471 B + 2^15) >> 16 on 8-bit levels.</summary>
    private static int Luma(float[] p, int i, int plane) =>
        (19595 * Quantize(p[i]) + 38470 * Quantize(p[i + plane]) + 7471 * Quantize(p[i + 2 * plane]) + 0x8000) >> 16;

    /// <summary>ImageEnhance.Brightness: blend with black.</summary>
    public static void Brightness(Image img, float factor)
    {
        var p = img.Pixels;
        for (int i = 0; i < p.Length; i++) p[i] = Math.Clamp(p[i] * factor, 0f, 1f);
    }

    /// <summary>ImageEnhance.Color: blend with the grayscale ("L") version; a no-op on grayscale images.</summary>
    public static void Color(Image img, float factor)
    {
        if (img.Channels == 1) return;
        int plane = img.Height * img.Width;
        var p = img.Pixels;
        for (int i = 0; i < plane; i++)
        {
            float gray = Luma(p, i, plane) / 255f;
            for (int c = 0; c < 3; c++) p[i + c * plane] = Blend(gray, p[i + c * plane], factor);
        }
    }

    /// <summary>ImageEnhance.Contrast: blend with the image's mean gray level (rounded to 8 bits).</summary>
    public static void Contrast(Image img, float factor)
    {
        int plane = img.Height * img.Width;
        var p = img.Pixels;
        long sum = 0;
        for (int i = 0; i < plane; i++) sum += img.Channels == 1 ? Quantize(p[i]) : Luma(p, i, plane);
        float mean = (int)((double)sum / plane + 0.5) / 255f;
        for (int i = 0; i < p.Length; i++) p[i] = Blend(mean, p[i], factor);
    }

    /// <summary>ImageEnhance.Sharpness: blend with PIL's SMOOTH filter (3×3, centre 5, total 13, rounded to 8 bits); border pixels unchanged.</summary>
    public static void Sharpness(Image img, float factor)
    {
        int h = img.Height, w = img.Width;
        if (h < 3 || w < 3) return;
        var p = img.Pixels;
        var smooth = new float[(h - 2) * (w - 2)];
        for (int c = 0; c < img.Channels; c++)
        {
            int b = c * h * w;
            for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++)
                {
                    int i = b + y * w + x;
                    float s = p[i - w - 1] + p[i - w] + p[i - w + 1] + p[i - 1] + 5 * p[i] + p[i + 1]
                              + p[i + w - 1] + p[i + w] + p[i + w + 1];
                    smooth[(y - 1) * (w - 2) + x - 1] = Quantize(s / 13f) / 255f; // PIL's degenerate is 8-bit
                }
            for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++)
                {
                    int i = b + y * w + x;
                    p[i] = Blend(smooth[(y - 1) * (w - 2) + x - 1], p[i], factor);
                }
        }
    }

    /// <summary>PIL's <c>convert("L")</c> written back into every channel (torchvision's RGB → grayscale
    /// with 3 output channels); a no-op on grayscale images.</summary>
    public static void Grayscale(Image img)
    {
        if (img.Channels == 1) return;
        int plane = img.Height * img.Width;
        var p = img.Pixels;
        for (int i = 0; i < plane; i++)
        {
            float gray = Luma(p, i, plane) / 255f;
            p[i] = p[i + plane] = p[i + 2 * plane] = gray;
        }
    }

    /// <summary>Rotates the hue by <paramref name="shift"/> turns (torchvision's <c>adjust_hue</c>, in float
    /// HSV rather than PIL's 8-bit HSV); a no-op on grayscale images, as torchvision leaves "L" images.</summary>
    public static void Hue(Image img, float shift)
    {
        if (img.Channels == 1 || shift == 0) return;
        int plane = img.Height * img.Width;
        var p = img.Pixels;
        for (int i = 0; i < plane; i++)
        {
            float r = p[i], g = p[i + plane], b = p[i + 2 * plane];
            float max = Math.Max(r, Math.Max(g, b)), min = Math.Min(r, Math.Min(g, b)), chroma = max - min;
            if (chroma <= 0) continue;   // gray pixels have no hue
            float h = max == r ? (g - b) / chroma : max == g ? 2 + (b - r) / chroma : 4 + (r - g) / chroma;
            h = h / 6 + shift;
            h -= MathF.Floor(h);
            float s = chroma / max, v = max;
            float sector = h * 6, f = sector - MathF.Floor(sector);
            float pp = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
            (r, g, b) = ((int)sector % 6) switch
            {
                0 => (v, t, pp),
                1 => (q, v, pp),
                2 => (pp, v, t),
                3 => (pp, q, v),
                4 => (t, pp, v),
                _ => (v, pp, q),
            };
            p[i] = r;
            p[i + plane] = g;
            p[i + 2 * plane] = b;
        }
    }

    /// <summary>PIL's Image.blend(degenerate, image, factor), clipped to [0, 1].</summary>
    private static float Blend(float degenerate, float value, float factor) =>
        Math.Clamp(degenerate + factor * (value - degenerate), 0f, 1f);
}
