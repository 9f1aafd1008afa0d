
namespace Livt.Benchmarking;

/// <summary>Resident memory of this process as the kernel counts it, native allocations included
/// (libtorch's tensors live outside the managed heap, so GC figures would miss them).</summary>
public static class ProcessMemory
{
    /// <summary>Current resident set size in MiB (VmRSS); NaN where /proc is not available.</summary>
    public static double ResidentMb() => Read("VmRSS:");

    /// <summary>Peak resident set size in MiB (VmHWM); NaN where /proc is not available.</summary>
    public static double PeakResidentMb() => Read("VmHWM:");

    private static double Read(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return double.NaN;
        foreach (var line in File.ReadLines(status))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var kb = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        }
        return double.NaN;
    }
}
