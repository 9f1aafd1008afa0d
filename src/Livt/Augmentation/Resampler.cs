using System.Buffers;

namespace Livt.Augmentation;

/// <summary>
/// Separable resize of a rectangular source region. Per axis: when the output is at least as large as
/// the input it interpolates exactly as torch's <c>F.interpolate(align_corners=False)</c> (bilinear, or
/// bicubic with a = −0.75, taps clamped at the border); when it is smaller it uses an antialiased filter
/// as <c>F.interpolate(antialias=True)</c> / PIL (triangle or a = −0.5 cubic widened by the scale,
/// weights renormalised at the border), so large downscales do not alias.
/// </summary>
internal static class Resampler
{
    /// <summary>Per output index, <see cref="Taps"/> source indices (relative to the region) and weights.</summary>
    internal sealed class AxisWeights(int taps, int count)
    {
        public int Taps { get; } = taps;
        public int[] Index { get; } = new int[taps * count];
        public float[] Weight { get; } = new float[taps * count];
    }

    /// <summary>
    /// Weights mapping a source axis of <paramref name="inSize"/> to a virtual output axis of
    /// <paramref name="outSize"/>, of which the outputs [<paramref name="first"/>, first + <paramref name="count"/>) are kept.
    /// </summary>
    public static AxisWeights Weights(int inSize, int outSize, int first, int count, Interpolation interpolation)
    {
        double scale = (double)inSize / outSize;
        if (outSize >= inSize)
        {
            bool cubic = interpolation == Interpolation.Bicubic;
            var table = new AxisWeights(cubic ? 4 : 2, count);
            for (int o = 0; o < count; o++)
            {
                double src = (first + o + 0.5) * scale - 0.5;
                if (cubic)
                {
                    int i0 = (int)Math.Floor(src);
                    double t = src - i0;
                    Span<double> w = [Cubic(t + 1, -0.75), Cubic(t, -0.75), Cubic(1 - t, -0.75), Cubic(2 - t, -0.75)];
                    for (int k = 0; k < 4; k++)
                    {
                        table.Index[o * 4 + k] = Math.Clamp(i0 - 1 + k, 0, inSize - 1);
                        table.Weight[o * 4 + k] = (float)w[k];
                    }
                }
                else
                {
                    src = Math.Max(src, 0);
                    int i0 = Math.Min((int)src, inSize - 1);
                    double l1 = src - i0;
                    table.Index[o * 2] = i0;
                    table.Index[o * 2 + 1] = Math.Min(i0 + 1, inSize - 1);
                    table.Weight[o * 2] = (float)(1 - l1);
                    table.Weight[o * 2 + 1] = (float)l1;
                }
            }
            return table;
        }

        double support = (interpolation == Interpolation.Bicubic ? 2.0 : 1.0) * scale;
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var aa = new AxisWeights(taps, count);
        Span<double> ws = stackalloc double[taps];
        for (int o = 0; o < count; o++)
        {
            double center = scale * (first + o + 0.5);
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize);
            double total = 0;
            for (int j = 0; j < xmax - xmin; j++)
            {
                double x = (j + xmin - center + 0.5) / scale;
                ws[j] = interpolation == Interpolation.Bicubic ? Cubic(Math.Abs(x), -0.5) : Math.Max(0, 1 - Math.Abs(x));
                total += ws[j];
            }
            for (int j = 0; j < taps; j++)
            {
                bool used = j < xmax - xmin;
                aa.Index[o * taps + j] = used ? xmin + j : xmin;
                aa.Weight[o * taps + j] = used && total != 0 ? (float)(ws[j] / total) : 0f;
            }
        }
        return aa;
    }

    /// <summary>Keys' cubic convolution kernel at distance |x| with parameter <paramref name="a"/>.</summary>
    private static double Cubic(double x, double a)
    {
        x = Math.Abs(x);
        if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0;
    }

    /// <summary>
    /// Resizes the region (<paramref name="top"/>, <paramref name="left"/>, <paramref name="height"/>,
    /// <paramref name="width"/>) of <paramref name="src"/> to <paramref name="outHeight"/>×<paramref name="outWidth"/>,
    /// optionally clamping to [0, 1] (resizing a decoded image cannot leave the range, as PIL's uint8 output).
    /// </summary>
    public static Image Resize(Image src, int top, int left, int height, int width, int outHeight, int outWidth,
        Interpolation interpolation, bool clamp) =>
        Resize(src, top, left, height, width,
            Weights(height, outHeight, 0, outHeight, interpolation),
            Weights(width, outWidth, 0, outWidth, interpolation), clamp);

    /// <summary>Resizes a source region with precomputed row and column weights (whose counts give the output size).</summary>
    public static Image Resize(Image src, int top, int left, int height, int width, AxisWeights rows, AxisWeights cols, bool clamp)
    {
        int outH = rows.Index.Length / rows.Taps, outW = cols.Index.Length / cols.Taps;
        int channels = src.Channels, srcW = src.Width, srcH = src.Height;
        var dst = new Image(channels, outH, outW);
        float[] tmp = ArrayPool<float>.Shared.Rent(height * outW);
        try
        {
            float[] s = src.Pixels, d = dst.Pixels;
            int kx = cols.Taps, ky = rows.Taps;
            for (int c = 0; c < channels; c++)
            {
                for (int y = 0; y < height; y++)
                {
                    int rowBase = (c * srcH + top + y) * srcW + left;
                    for (int ox = 0; ox < outW; ox++)
                    {
                        float acc = 0;
                        int t = ox * kx;
                        for (int k = 0; k < kx; k++) acc += cols.Weight[t + k] * s[rowBase + cols.Index[t + k]];
                        tmp[y * outW + ox] = acc;
                    }
                }
                for (int oy = 0; oy < outH; oy++)
                {
                    int dBase = (c * outH + oy) * outW;
                    int t = oy * ky;
                    for (int ox = 0; ox < outW; ox++) d[dBase + ox] = 0;
                    for (int k = 0; k < ky; k++)
                    {
                        float w = rows.Weight[t + k];
                        if (w == 0) continue;
                        int tBase = rows.Index[t + k] * outW;
                        for (int ox = 0; ox < outW; ox++) d[dBase + ox] += w * tmp[tBase + ox];
                    }
                    if (clamp)
                        for (int ox = 0; ox < outW; ox++) d[dBase + ox] = Math.Clamp(d[dBase + ox], 0f, 1f);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tmp);
        }
        return dst;
    }
}
