namespace Livt.Augmentation;

/// <summary>Draws that <see cref="Random"/> lacks, kept allocation-free for per-sample use.</summary>
internal static class RandomExtensions
{
    /// <summary>A standard normal draw (Box–Muller; the second value is discarded to keep no state).</summary>
    public static double NextGaussian(this Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(); // (0, 1]: keeps log finite
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fills <paramref name="target"/> with standard normal draws, using both Box–Muller outputs.</summary>
    public static void FillGaussian(this Random rng, Span<float> target)
    {
        for (int i = 0; i < target.Length; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            target[i] = (float)(r * Math.Cos(2.0 * Math.PI * u2));
            if (i + 1 < target.Length) target[i + 1] = (float)(r * Math.Sin(2.0 * Math.PI * u2));
        }
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public static double NextUniform(this Random rng, double min, double max) => min + (max - min) * rng.NextDouble();

    /// <summary>A Gamma(<paramref name="shape"/>, 1) draw (Marsaglia–Tsang; boosted for shape &lt; 1).</summary>
    public static double NextGamma(this Random rng, double shape)
    {
        if (shape <= 0) throw new ArgumentOutOfRangeException(nameof(shape), shape, "Gamma shape must be positive");
        if (shape < 1)
        {
            // Gamma(a) = Gamma(a + 1) · U^(1/a)
            double u = 1.0 - rng.NextDouble();
            return rng.NextGamma(shape + 1) * Math.Pow(u, 1.0 / shape);
        }
        double d = shape - 1.0 / 3.0, c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = rng.NextGaussian();
                v = 1.0 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = 1.0 - rng.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    /// <summary>A Beta(<paramref name="a"/>, <paramref name="b"/>) draw as X/(X+Y) of two Gamma draws.</summary>
    public static double NextBeta(this Random rng, double a, double b)
    {
        double x = rng.NextGamma(a), y = rng.NextGamma(b);
        return x + y > 0 ? x / (x + y) : 0.5;
    }
}
