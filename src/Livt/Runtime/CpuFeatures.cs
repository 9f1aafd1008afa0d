using System.Globalization;

namespace Livt.Runtime;

/// <summary>
/// What the CPU offers for dense arithmetic, read from <c>/proc/cpuinfo</c>: its flags (x86
/// <c>flags</c> or ARM <c>Features</c>), model name, vendor and family, clock and core count, and from
/// those its peak multiply-add throughput per precision. The peak follows the usual rule, cores × clock
/// × FMA units × vector lanes × 2, with the FMA layout of the vendor's cores (<see cref="PeakBasis"/>
/// says which was assumed).
/// </summary>
public sealed class CpuFeatures
{
    private readonly HashSet<string> _flags;

    private CpuFeatures(string modelName, string vendor, int family, int model, IEnumerable<string> flags, double mhz, int cores)
    {
        ModelName = modelName;
        Vendor = vendor;
        Family = family;
        Model = model;
        _flags = new HashSet<string>(flags, StringComparer.Ordinal);
        Mhz = mhz;
        Cores = cores;
    }

    /// <summary>"model name" (x86) or "CPU part" (ARM); empty when the text has neither.</summary>
    public string ModelName { get; }

    /// <summary>"vendor_id" (GenuineIntel, AuthenticAMD) or "CPU implementer" (ARM); empty when absent.</summary>
    public string Vendor { get; }

    /// <summary>x86 "cpu family" (AMD 25 = Zen 3/4, 26 = Zen 5); -1 when absent.</summary>
    public int Family { get; }

    /// <summary>x86 "model" number; -1 when absent.</summary>
    public int Model { get; }

    /// <summary>Clock in MHz: the highest "cpu MHz" line (a VM reports its nominal clock there), or 0.</summary>
    public double Mhz { get; }

    /// <summary>Logical processors counted (the "processor" entries, or the count passed to <see cref="Parse"/>).</summary>
    public int Cores { get; }

    /// <summary>Every flag, in a stable order.</summary>
    public IReadOnlyList<string> Flags => _flags.Order(StringComparer.Ordinal).ToArray();

    /// <summary>True when the CPU reports <paramref name="flag"/> (e.g. <c>avx512_bf16</c>).</summary>
    public bool Has(string flag) => _flags.Contains(flag);

    /// <summary>The flags that decide dense-arithmetic speed (FMA, AVX, AVX-512, bf16, AMX, NEON/SVE), for reports.</summary>
    public IReadOnlyList<string> ComputeFlags => Flags.Where(f =>
        f is "fma" or "avx" or "avx2" or "f16c" or "asimd" or "sve" or "sve2" or "bf16" or "avx512f"
        || f.StartsWith("avx512", StringComparison.Ordinal) || f.StartsWith("amx", StringComparison.Ordinal)
        || f.StartsWith("avx_", StringComparison.Ordinal)).ToArray();

    /// <summary>The bf16 instruction this CPU multiplies bf16 matrices with natively (<c>amx_bf16</c>, then
    /// <c>avx512_bf16</c>), or null when bf16 would be converted to fp32 in software.</summary>
    public string? NativeBf16Flag => Has("amx_bf16") ? "amx_bf16" : Has("avx512_bf16") ? "avx512_bf16" : null;

    /// <summary>The widest vector extension, for messages: "AVX-512", "AVX2", "AVX", "SSE", "NEON" or "none".</summary>
    public string VectorIsa =>
        Has("avx512f") ? "AVX-512" : Has("avx2") ? "AVX2" : Has("avx") ? "AVX" : Has("sse2") ? "SSE" : Has("asimd") ? "NEON" : "none";

    /// <summary>This machine's CPU (from /proc/cpuinfo, cores from the processors this process may use); a
    /// flagless description where /proc/cpuinfo cannot be read.</summary>
    public static CpuFeatures Current { get; } = ReadCurrent();

    private static CpuFeatures ReadCurrent()
    {
        string text;
        try
        {
            text = File.ReadAllText("/proc/cpuinfo");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = "";
        }
        return Parse(text, Environment.ProcessorCount);
    }

    /// <summary>Reads the text of <c>/proc/cpuinfo</c>; <paramref name="cores"/> overrides the count of
    /// "processor" entries (a process limited by affinity or a container sees fewer).</summary>
    public static CpuFeatures Parse(string cpuinfo, int? cores = null)
    {
        string model = "", vendor = "";
        int family = -1, modelNumber = -1, processors = 0;
        double mhz = 0;
        var flags = new List<string>();
        bool flagsRead = false;
        foreach (var raw in cpuinfo.Split('\n'))
        {
            int colon = raw.IndexOf(':');
            if (colon < 0) continue;
            string key = raw[..colon].Trim(), value = raw[(colon + 1)..].Trim();
            switch (key)
            {
                case "processor": processors++; break;
                case "model name" when model == "": model = value; break;
                case "CPU part" when model == "": model = value; break;
                case "vendor_id" or "CPU implementer" when vendor == "": vendor = value; break;
                case "cpu family" when family < 0: family = ParseInt(value); break;
                case "model" when modelNumber < 0: modelNumber = ParseInt(value); break;
                case "cpu MHz":
                    if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)) mhz = Math.Max(mhz, m);
                    break;
                case "flags" or "Features" when !flagsRead:
                    flags.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                    flagsRead = true;
                    break;
            }
        }
        return new CpuFeatures(model, vendor, family, modelNumber, flags, mhz, cores ?? Math.Max(1, processors));
    }

    private static int ParseInt(string s) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
        : s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && int.TryParse(s[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h
        : -1;

    private bool IsAmd => Vendor == "AuthenticAMD";

    /// <summary>(FMA units per core, bits per FMA) of this core's vector units.</summary>
    private (int Units, int Bits) FmaLayout()
    {
        if (Has("avx512f"))
            // Zen 4 (family 25) runs AVX-512 on its two 256-bit FMA pipes; Zen 5 (26) and Intel's
            // server cores have two 512-bit FMA units.
            return IsAmd && Family <= 25 ? (2, 256) : (2, 512);
        if (Has("avx2") && Has("fma"))
            // Zen and Zen+ (family 23 before model 0x30) split 256-bit FMAs into two 128-bit halves.
            return IsAmd && Family == 23 && Model is >= 0 and < 0x30 ? (2, 128) : (2, 256);
        if (Has("avx")) return (1, 256);   // separate multiply and add pipes: one "FMA" a cycle
        if (Has("sse2") || Has("asimd")) return (Has("asimd") ? 2 : 1, 128);
        return (1, 64);
    }

    /// <summary>Floating-point operations per cycle per core (a multiply-add counts 2) at
    /// <paramref name="bf16"/> or fp32. bf16: AMX tiles do 1024 a cycle; AVX-512 BF16's dot product
    /// does twice the fp32 rate; anywhere else bf16 is converted to fp32, so fp32's rate is the bound.</summary>
    public double FlopsPerCycle(bool bf16)
    {
        if (bf16 && Has("amx_bf16")) return 1024;
        var (units, bits) = FmaLayout();
        double fp32 = units * (bits / 32.0) * 2;
        return bf16 && Has("avx512_bf16") ? 2 * fp32 : fp32;
    }

    /// <summary>Peak GFLOP/s of all <see cref="Cores"/> at <see cref="Mhz"/>; NaN when the clock is unknown.</summary>
    public double PeakGflops(bool bf16) => Mhz <= 0 ? double.NaN : Cores * Mhz / 1000 * FlopsPerCycle(bf16);

    /// <summary>How <see cref="PeakGflops"/> was counted, e.g. "2 cores × 2096 MHz × 2 FMA units × 16 fp32 lanes × 2".</summary>
    public string PeakBasis(bool bf16)
    {
        var mhz = Mhz.ToString("0", CultureInfo.InvariantCulture);
        if (bf16 && Has("amx_bf16")) return $"{Cores} cores × {mhz} MHz × 1024 bf16 FLOP/cycle (AMX tiles)";
        var (units, bits) = FmaLayout();
        var basis = $"{Cores} cores × {mhz} MHz × {units} FMA units × {bits / 32} fp32 lanes × 2";
        if (bf16) basis += Has("avx512_bf16") ? " × 2 (avx512_bf16 pairs)" : " (bf16 emulated: fp32 rate)";
        return basis;
    }
}
