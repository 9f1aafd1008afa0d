namespace Livt.Augmentation;

/// <summary>The CutMix box of timm's and CMO's <c>rand_bbox</c>: sides ⌊H·√(1−λ)⌋ × ⌊W·√(1−λ)⌋ around a
/// uniformly drawn centre (row first, then column), clipped to the image.</summary>
internal static class CutmixBox
{
    /// <summary>Rows [Yl, Yh) and columns [Xl, Xh) of the box for an H×W image and mixing weight λ.</summary>
    public static (int Yl, int Yh, int Xl, int Xh) Sample(int h, int w, double lambda, Random rng)
    {
        double ratio = Math.Sqrt(1 - lambda);
        int cutH = (int)(h * ratio), cutW = (int)(w * ratio);
        int cy = rng.Next(h), cx = rng.Next(w);
        return (Math.Clamp(cy - cutH / 2, 0, h), Math.Clamp(cy + cutH / 2, 0, h),
            Math.Clamp(cx - cutW / 2, 0, w), Math.Clamp(cx + cutW / 2, 0, w));
    }
}
