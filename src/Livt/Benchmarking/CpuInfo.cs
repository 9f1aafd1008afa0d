namespace Livt.Benchmarking;

/// <summary>The CPU a benchmark ran on, from /proc/cpuinfo.</summary>
/// <param name="ModelName">"model name".</param>
/// <param name="Vendor">"vendor_id".</param>
/// <param name="Family">x86 "cpu family".</param>
/// <param name="Mhz">The clock the peak assumes.</param>
/// <param name="Cores">Logical processors this process may use.</param>
/// <param name="Flags">The flags that decide arithmetic speed (FMA, AVX, AVX-512, bf16, AMX).</param>
public sealed record CpuInfo(string ModelName, string Vendor, int Family, double Mhz, int Cores, IReadOnlyList<string> Flags);
