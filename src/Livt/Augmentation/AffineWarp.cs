namespace Livt.Augmentation;

/// <summary>
/// Geometric RandAugment ops as PIL's Image.transform(AFFINE): each output point (x, y) (continuous
/// coordinates, pixel centres at +0.5) samples the input at (a·x + b·y + c, d·x + e·y + f). Sampling is
/// bilinear; area outside the input counts as the fill colour, so edges blend smoothly into it.
/// </summary>
internal static class AffineWarp
{
    /// <summary>Warps with the inverse (output → input) affine map.</summary>
    public static Image Warp(Image src, double a, double b, double c, double d, double e, double f, float[] fill)
    {
        int h = src.Height, w = src.Width, plane = h * w;
        var dst = new Image(src.Channels, h, w);
        float[] s = src.Pixels, o = dst.Pixels;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double cx = x + 0.5, cy = y + 0.5;
                double sx = a * cx + b * cy + c - 0.5, sy = d * cx + e * cy + f - 0.5;
                int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
                float fx = (float)(sx - x0), fy = (float)(sy - y0);
                float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
                bool inX0 = (uint)x0 < (uint)w, inX1 = (uint)(x0 + 1) < (uint)w;
                bool inY0 = (uint)y0 < (uint)h, inY1 = (uint)(y0 + 1) < (uint)h;
                if (!inX0 && !inX1 || !inY0 && !inY1)
                {
                    for (int ch = 0; ch < src.Channels; ch++) o[ch * plane + y * w + x] = Fill(fill, ch, src.Channels);
                    continue;
                }
                if (!inX0 || !inY0) w00 = 0;
                if (!inX1 || !inY0) w01 = 0;
                if (!inX0 || !inY1) w10 = 0;
                if (!inX1 || !inY1) w11 = 0;
                float outside = 1 - (w00 + w01 + w10 + w11);
                int i00 = y0 * w + x0;
                for (int ch = 0; ch < src.Channels; ch++)
                {
                    int bse = ch * plane;
                    float v = outside * Fill(fill, ch, src.Channels);
                    if (w00 != 0) v += w00 * s[bse + i00];
                    if (w01 != 0) v += w01 * s[bse + i00 + 1];
                    if (w10 != 0) v += w10 * s[bse + i00 + w];
                    if (w11 != 0) v += w11 * s[bse + i00 + w + 1];
                    o[bse + y * w + x] = v;
                }
            }
        return dst;
    }

    /// <summary>The fill for channel c: per channel, one shared value, or the mean of an RGB fill on grayscale.</summary>
    private static float Fill(float[] fill, int c, int channels) =>
        fill.Length == channels ? fill[c] : fill.Length == 1 ? fill[0] : fill.Average();

    /// <summary>Counter-clockwise rotation by <paramref name="degrees"/> about the image centre (PIL rotate).</summary>
    public static Image Rotate(Image img, double degrees, float[] fill)
    {
        double t = -degrees * Math.PI / 180, cos = Math.Cos(t), sin = Math.Sin(t);
        double cx = img.Width / 2.0, cy = img.Height / 2.0;
        return Warp(img, cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy, fill);
    }

    /// <summary>PIL shear_x: input x = x + factor·y.</summary>
    public static Image ShearX(Image img, double factor, float[] fill) => Warp(img, 1, factor, 0, 0, 1, 0, fill);

    /// <summary>PIL shear_y: input y = factor·x + y.</summary>
    public static Image ShearY(Image img, double factor, float[] fill) => Warp(img, 1, 0, 0, factor, 1, 0, fill);

    /// <summary>PIL translate: input = output + (dx, dy) pixels, so content moves by (−dx, −dy).</summary>
    public static Image Translate(Image img, double dx, double dy, float[] fill) => Warp(img, 1, 0, dx, 0, 1, dy, fill);
}
