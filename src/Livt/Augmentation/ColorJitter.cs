namespace Livt.Augmentation;

/// <summary>
/// torchvision's <c>ColorJitter(brightness, contrast, saturation, hue)</c> on PIL images: factors drawn
/// per image (brightness, contrast, saturation uniform on [max(0, 1 − v), 1 + v], hue uniform on [−h, h]),
/// applied in a random order; a parameter of 0 is left out. On a 1-channel image (Fashion-MNIST) it is
/// brightness and contrast jitter: saturation and hue leave grayscale images unchanged, as torchvision
/// does with PIL "L" images.
/// </summary>
public sealed class ColorJitter : IImageTransform
{
    private readonly double _brightness, _contrast, _saturation, _hue;

    /// <summary>Creates the transform (each strength ≥ 0, hue ≤ 0.5).</summary>
    public ColorJitter(double brightness, double contrast, double saturation, double hue = 0)
    {
        if (brightness < 0 || contrast < 0 || saturation < 0 || hue is < 0 or > 0.5)
            throw new ArgumentException($"colour jitter ({brightness}, {contrast}, {saturation}, {hue}): strengths must be ≥ 0 and hue ≤ 0.5");
        (_brightness, _contrast, _saturation, _hue) = (brightness, contrast, saturation, hue);
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        Span<int> order = stackalloc int[] { 0, 1, 2, 3 };
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        float b = Factor(_brightness, rng), c = Factor(_contrast, rng), s = Factor(_saturation, rng);
        float h = _hue > 0 ? (float)rng.NextUniform(-_hue, _hue) : 0f;
        foreach (int op in order)
        {
            switch (op)
            {
                case 0 when _brightness > 0: ColorOps.Brightness(image, b); break;
                case 1 when _contrast > 0: ColorOps.Contrast(image, c); break;
                case 2 when _saturation > 0: ColorOps.Color(image, s); break;
                case 3 when _hue > 0: ColorOps.Hue(image, h); break;
            }
        }
        return image;
    }

    private static float Factor(double strength, Random rng) =>
        strength > 0 ? (float)rng.NextUniform(Math.Max(0, 1 - strength), 1 + strength) : 1f;
}
