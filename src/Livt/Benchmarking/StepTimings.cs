
namespace Livt.Benchmarking;

/// <summary>Durations of the timed steps (after warm-up), summarised by median, min and max.</summary>
public sealed class StepTimings
{
    private readonly List<double> _seconds = [];

    public void Add(double seconds) => _seconds.Add(seconds);

    public double Median => Quantile(0.5);
    public double Min => _seconds.Count == 0 ? double.NaN : _seconds.Min();
    public double Max => _seconds.Count == 0 ? double.NaN : _seconds.Max();

    /// <summary>The median of <paramref name="values"/> (NaN when there are none).</summary>
    public static double MedianOf(IEnumerable<double> values) => Quantile(values, 0.5);

    private double Quantile(double q) => Quantile(_seconds, q);

    private static double Quantile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
