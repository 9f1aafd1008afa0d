using System.Globalization;
using System.Text.RegularExpressions;

namespace Livt.Augmentation;

/// <summary>
/// timm's RandAugment: per image, <see cref="NumLayers"/> ops drawn uniformly with replacement; each is
/// applied with probability <see cref="Probability"/> at a magnitude drawn from N(m, mstd) (uniform on
/// [0, m] when mstd &gt; 100) clipped to [0, mmax] (default 10). Geometric ops fill with the mean colour.
/// </summary>
public sealed partial class RandAugment : IImageTransform
{
    private readonly RandAugmentOp[] _ops;
    private readonly float[] _fill;

    private RandAugment(RandAugmentOp[] ops, int numLayers, double magnitude, double magnitudeStd,
        double magnitudeMax, double probability, float[] fill)
    {
        _ops = ops;
        NumLayers = numLayers;
        Magnitude = magnitude;
        MagnitudeStd = magnitudeStd;
        MagnitudeMax = magnitudeMax;
        Probability = probability;
        _fill = fill;
    }

    /// <summary>The op pool.</summary>
    public IReadOnlyList<RandAugmentOp> Ops => _ops;

    /// <summary>Ops drawn per image ("n", default 2).</summary>
    public int NumLayers { get; }

    /// <summary>Mean magnitude on the 0–10 scale ("m", default 10 as timm).</summary>
    public double Magnitude { get; }

    /// <summary>Magnitude noise std ("mstd"; infinity means uniform on [0, m]).</summary>
    public double MagnitudeStd { get; }

    /// <summary>Upper clip of the magnitude ("mmax", default 10).</summary>
    public double MagnitudeMax { get; }

    /// <summary>Probability each drawn op is applied ("p", default 0.5).</summary>
    public double Probability { get; }

    [GeneratedRegex(@"^([a-z]+)(\d.*)$")]
    private static partial Regex SectionPattern();

    /// <summary>
    /// Parses a timm spec such as "rand-m9-mstd0.5-inc1" (sections m, n, p, mstd, mmax, inc).
    /// <paramref name="fillMean"/> (1 or 3 values in [0, 1], e.g. the dataset mean) fills area uncovered
    /// by geometric ops; default 128/255 as timm's _FILL.
    /// </summary>
    /// <exception cref="LivtException">The spec is malformed.</exception>
    public static RandAugment Parse(string spec, float[]? fillMean = null)
    {
        var sections = spec.Trim().Split('-');
        if (sections[0] != "rand")
            throw new LivtException($"RandAugment spec '{spec}' must start with 'rand' (e.g. rand-m9-mstd0.5-inc1)");
        double magnitude = 10, std = 0, max = 10, prob = 0.5;
        int layers = 2;
        bool increasing = false;
        foreach (var section in sections.Skip(1))
        {
            var match = SectionPattern().Match(section);
            if (!match.Success)
                throw new LivtException($"RandAugment spec '{spec}': section '{section}' is not a key followed by a number");
            string key = match.Groups[1].Value, text = match.Groups[2].Value;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw new LivtException($"RandAugment spec '{spec}': '{text}' in section '{section}' is not a number");
            switch (key)
            {
                case "m": magnitude = value; break;
                case "n": layers = (int)value; break;
                case "p": prob = value; break;
                case "mstd": std = value > 100 ? double.PositiveInfinity : value; break;
                case "mmax": max = value; break;
                case "inc": increasing = value != 0; break;
                default:
                    throw new LivtException($"RandAugment spec '{spec}': unknown section '{section}' (known: m, n, p, mstd, mmax, inc)");
            }
        }
        if (layers < 0 || prob is < 0 or > 1 || magnitude < 0 || std < 0 || max < 0)
            throw new LivtException($"RandAugment spec '{spec}': n, m, mstd, mmax must be non-negative and p in [0, 1]");
        var fill = fillMean?.ToArray() ?? [128f / 255f];
        if (fill.Length is not (1 or 3))
            throw new ArgumentException($"RandAugment fill has {fill.Length} values; expected 1 or 3");
        var ops = (increasing ? RandAugmentOps.Increasing : RandAugmentOps.Standard).ToArray();
        return new RandAugment(ops, layers, magnitude, std, max, prob, fill);
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        for (int layer = 0; layer < NumLayers; layer++)
        {
            var op = _ops[rng.Next(_ops.Length)];
            if (Probability < 1 && rng.NextDouble() > Probability) continue;
            double m = Magnitude;
            if (double.IsPositiveInfinity(MagnitudeStd)) m = rng.NextUniform(0, Magnitude);
            else if (MagnitudeStd > 0) m = Magnitude + MagnitudeStd * rng.NextGaussian();
            m = Math.Clamp(m, 0, MagnitudeMax);
            image = RandAugmentOps.Apply(op, image, m, rng, _fill);
        }
        return image;
    }
}
