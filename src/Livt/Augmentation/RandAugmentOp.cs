namespace Livt.Augmentation;

/// <summary>The RandAugment operations, named as timm's op names.</summary>
public enum RandAugmentOp
{
    AutoContrast, Equalize, Invert, Rotate,
    Posterize, PosterizeIncreasing, Solarize, SolarizeIncreasing, SolarizeAdd,
    Color, ColorIncreasing, Contrast, ContrastIncreasing, Brightness, BrightnessIncreasing,
    Sharpness, SharpnessIncreasing, ShearX, ShearY, TranslateXRel, TranslateYRel,
}

/// <summary>timm's magnitude → argument mapping (LEVEL_TO_ARG, _LEVEL_DENOM 10) and the op dispatch.</summary>
public static class RandAugmentOps
{
    /// <summary>timm's <c>_RAND_INCREASING_TRANSFORMS</c> ("inc1").</summary>
    public static IReadOnlyList<RandAugmentOp> Increasing { get; } =
    [
        RandAugmentOp.AutoContrast, RandAugmentOp.Equalize, RandAugmentOp.Invert, RandAugmentOp.Rotate,
        RandAugmentOp.PosterizeIncreasing, RandAugmentOp.SolarizeIncreasing, RandAugmentOp.SolarizeAdd,
        RandAugmentOp.ColorIncreasing, RandAugmentOp.ContrastIncreasing, RandAugmentOp.BrightnessIncreasing,
        RandAugmentOp.SharpnessIncreasing, RandAugmentOp.ShearX, RandAugmentOp.ShearY,
        RandAugmentOp.TranslateXRel, RandAugmentOp.TranslateYRel,
    ];

    /// <summary>timm's <c>_RAND_TRANSFORMS</c> (default, "inc0").</summary>
    public static IReadOnlyList<RandAugmentOp> Standard { get; } =
    [
        RandAugmentOp.AutoContrast, RandAugmentOp.Equalize, RandAugmentOp.Invert, RandAugmentOp.Rotate,
        RandAugmentOp.Posterize, RandAugmentOp.Solarize, RandAugmentOp.SolarizeAdd, RandAugmentOp.Color,
        RandAugmentOp.Contrast, RandAugmentOp.Brightness, RandAugmentOp.Sharpness, RandAugmentOp.ShearX,
        RandAugmentOp.ShearY, RandAugmentOp.TranslateXRel, RandAugmentOp.TranslateYRel,
    ];

    private const double LevelDenominator = 10.0;

    /// <summary>timm's _randomly_negate: −v when a uniform draw exceeds 0.5.</summary>
    private static double RandomlyNegate(double v, Random rng) => rng.NextDouble() > 0.5 ? -v : v;

    /// <summary>Enhance factor of the non-increasing ops: [0.1, 1.9] rising with the magnitude.</summary>
    private static float EnhanceLevel(double m) => (float)(m / LevelDenominator * 1.8 + 0.1);

    /// <summary>Enhance factor of the increasing ops: 1 ± 0.9·m/10, at least 0.1.</summary>
    private static float EnhanceIncreasingLevel(double m, Random rng) =>
        (float)Math.Max(0.1, 1.0 + RandomlyNegate(m / LevelDenominator * 0.9, rng));

    private static int PosterizeLevel(double m) => (int)(m / LevelDenominator * 4);

    private static int SolarizeLevel(double m) => Math.Min(256, (int)(m / LevelDenominator * 256));

    /// <summary>
    /// Applies <paramref name="op"/> at <paramref name="magnitude"/> (already clipped, 0–10 scale); random
    /// signs come from <paramref name="rng"/>; geometric ops fill uncovered area with <paramref name="fill"/>.
    /// May modify <paramref name="img"/> in place or return a new image.
    /// </summary>
    public static Image Apply(RandAugmentOp op, Image img, double magnitude, Random rng, float[] fill)
    {
        double m = magnitude;
        switch (op)
        {
            case RandAugmentOp.AutoContrast: ColorOps.AutoContrast(img); return img;
            case RandAugmentOp.Equalize: ColorOps.Equalize(img); return img;
            case RandAugmentOp.Invert: ColorOps.Invert(img); return img;
            case RandAugmentOp.Rotate: return AffineWarp.Rotate(img, RandomlyNegate(m / LevelDenominator * 30, rng), fill);
            case RandAugmentOp.Posterize: ColorOps.Posterize(img, PosterizeLevel(m)); return img;
            case RandAugmentOp.PosterizeIncreasing: ColorOps.Posterize(img, 4 - PosterizeLevel(m)); return img;
            case RandAugmentOp.Solarize: ColorOps.Solarize(img, SolarizeLevel(m)); return img;
            case RandAugmentOp.SolarizeIncreasing: ColorOps.Solarize(img, 256 - SolarizeLevel(m)); return img;
            case RandAugmentOp.SolarizeAdd: ColorOps.SolarizeAdd(img, Math.Min(128, (int)(m / LevelDenominator * 110))); return img;
            case RandAugmentOp.Color: ColorOps.Color(img, EnhanceLevel(m)); return img;
            case RandAugmentOp.ColorIncreasing: ColorOps.Color(img, EnhanceIncreasingLevel(m, rng)); return img;
            case RandAugmentOp.Contrast: ColorOps.Contrast(img, EnhanceLevel(m)); return img;
            case RandAugmentOp.ContrastIncreasing: ColorOps.Contrast(img, EnhanceIncreasingLevel(m, rng)); return img;
            case RandAugmentOp.Brightness: ColorOps.Brightness(img, EnhanceLevel(m)); return img;
            case RandAugmentOp.BrightnessIncreasing: ColorOps.Brightness(img, EnhanceIncreasingLevel(m, rng)); return img;
            case RandAugmentOp.Sharpness: ColorOps.Sharpness(img, EnhanceLevel(m)); return img;
            case RandAugmentOp.SharpnessIncreasing: ColorOps.Sharpness(img, EnhanceIncreasingLevel(m, rng)); return img;
            case RandAugmentOp.ShearX: return AffineWarp.ShearX(img, RandomlyNegate(m / LevelDenominator * 0.3, rng), fill);
            case RandAugmentOp.ShearY: return AffineWarp.ShearY(img, RandomlyNegate(m / LevelDenominator * 0.3, rng), fill);
            case RandAugmentOp.TranslateXRel:
                return AffineWarp.Translate(img, RandomlyNegate(m / LevelDenominator * 0.45, rng) * img.Width, 0, fill);
            case RandAugmentOp.TranslateYRel:
                return AffineWarp.Translate(img, 0, RandomlyNegate(m / LevelDenominator * 0.45, rng) * img.Height, fill);
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown RandAugment op");
        }
    }
}
