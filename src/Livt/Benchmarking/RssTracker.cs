
namespace Livt.Benchmarking;

/// <summary>
/// Resident memory sampled after every timed step. Resident memory ramps up for a while as libtorch
/// and malloc build their caches, so growth is judged on the second half of the timed steps, after the
/// ramp: a leak keeps growing there, a cache does not.
/// </summary>
public sealed class RssTracker
{
    /// <summary>How many steps apart <see cref="Trace"/> samples are.</summary>
    public const int TraceEvery = 10;

    private readonly List<double> _mb = [];
    private readonly List<double> _managedMb = [];

    /// <summary>Samples resident memory and the managed heap now (call after each timed step).</summary>
    public void Sample() => Add(ProcessMemory.ResidentMb(), GC.GetTotalMemory(forceFullCollection: false) / 1048576.0);

    /// <summary>Adds a sample in MiB (what <see cref="Sample"/> does with the current figures): resident
    /// memory, and the part of it that .NET's heap holds.</summary>
    public void Add(double mb, double managedMb = double.NaN)
    {
        _mb.Add(mb);
        _managedMb.Add(managedMb);
    }

    /// <summary>Resident MiB after the first timed step.</summary>
    public double StartMb => _mb.Count == 0 ? double.NaN : _mb[0];

    /// <summary>Resident MiB after the last timed step.</summary>
    public double EndMb => _mb.Count == 0 ? double.NaN : _mb[^1];

    /// <summary>Least-squares slope of resident memory over the second half of the steps, per 100 steps.</summary>
    public double GrowthMbPer100Steps => Slope(SecondHalf(_mb)) * 100;

    /// <summary>The same slope of .NET's heap: resident growth that it accounts for is objects awaiting a
    /// collection (levels off at the next one); the rest is native memory (libtorch, CUDA, malloc).</summary>
    public double ManagedGrowthMbPer100Steps => Slope(SecondHalf(_managedMb)) * 100;

    private static double Slope(double[] ys)
    {
        if (ys.Length < 2) return double.NaN;
        double meanX = (ys.Length - 1) / 2.0, meanY = ys.Average(), num = 0, den = 0;
        for (int i = 0; i < ys.Length; i++)
        {
            num += (i - meanX) * (ys[i] - meanY);
            den += (i - meanX) * (i - meanX);
        }
        return num / den;
    }

    /// <summary>Growth from the middle to the end of the steps as a percentage of <paramref name="peakMb"/>.</summary>
    public double GrowthPercentOfPeak(double peakMb)
    {
        var half = SecondHalf(_mb);
        return half.Length == 0 ? double.NaN : (half[^1] - half[0]) / peakMb * 100;
    }

    /// <summary>Every <see cref="TraceEvery"/>-th sample, from the first, so a reader sees whether memory levels off.</summary>
    public double[] Trace() => _mb.Where((_, i) => i % TraceEvery == 0).Select(v => Math.Round(v, 1)).ToArray();

    private static double[] SecondHalf(List<double> samples) => samples.Skip(samples.Count / 2).ToArray();
}
