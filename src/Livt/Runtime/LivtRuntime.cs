using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Livt.Runtime;

/// <summary>
/// Process-wide set-up that every entry point (CLI, benchmarks, tests) calls once before touching
/// tensors: the allocator setting that libtorch needs on glibc, and the intra-op thread count.
/// </summary>
public static class LivtRuntime
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;
    private const int M_ARENA_MAX = -8;
    // glibc caps a fixed mmap threshold at HEAP_MAX_SIZE/2, 32 MiB on 64-bit.
    private const int MmapThresholdBytes = 32 * 1024 * 1024;
    private static readonly int TrimThresholdBytes = EnvInt("LIVT_MALLOC_TRIM_MB", 512) * 1024 * 1024;
    private static readonly int ArenaMax = EnvInt("LIVT_MALLOC_ARENAS", 0);

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var v) && v >= 0 ? v : fallback;

    private static readonly object Gate = new();
    private static bool _initialized;

    /// <summary>Livt's version (the assembly's informational version), as benchmarks and exported models record it.</summary>
    public static string Version { get; } =
        typeof(LivtRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";

    /// <summary>True when MKL (inside libtorch_cpu) was told to always use the requested thread count.</summary>
    public static bool MklDynamicOff { get; private set; }

    /// <summary>True when glibc's malloc was told to stop mapping and unmapping libtorch's large
    /// buffers on every step (see <see cref="Initialize"/>).</summary>
    public static bool AllocatorTuned { get; private set; }

    /// <summary>
    /// glibc's malloc raises its mmap threshold dynamically, but a buffer freed after being mmapped
    /// lowers nothing back, and libtorch's activations cycle through sizes that end up mmapped and
    /// unmapped every step; the page faults measured here halve PyTorch's training speed and cost
    /// TorchSharp ~12%. Fixing both thresholds (what <c>MALLOC_MMAP_THRESHOLD_</c> and
    /// <c>MALLOC_TRIM_THRESHOLD_</c> do) keeps those buffers in the heap. Harmless elsewhere: on a
    /// non-glibc system nothing is changed.
    /// </summary>
    /// <param name="threads">Intra-op threads for libtorch; null or 0 keeps libtorch's default.</param>
    /// <exception cref="LivtException"><c>LIVT_LIBTORCH</c> names a libtorch that cannot be loaded (<see cref="LibTorch.Load"/>).</exception>
    public static void Initialize(int? threads = null)
    {
        LibTorch.Load();
        lock (Gate)
        {
            if (!_initialized)
            {
                AllocatorTuned = TuneGlibcMalloc();
                _initialized = true;
            }
        }
        if (threads is > 0) torch.set_num_threads(threads.Value);
        lock (Gate)
        {
            if (!MklDynamicOff) MklDynamicOff = DisableMklDynamic();
        }
    }

    /// <summary>
    /// MKL's dynamic mode lets a GEMM use fewer threads than asked when the machine is busy, which
    /// changes how it splits the sums and so the last bits of the result. Turned off, a run is
    /// reproducible for a given thread count even on a loaded machine, which exact resume relies on.
    /// </summary>
    private static unsafe bool DisableMklDynamic()
    {
        _ = torch.get_num_threads(); // makes sure TorchSharp has loaded libtorch
        // The copy already mapped, by its path: a search by name could find another (LIVT_LIBTORCH).
        var mapped = LibTorch.MappedLibraries("libtorch_cpu.so");
        foreach (var name in mapped.Count > 0 ? mapped : ["torch_cpu"])
        {
            nint lib;
            if (!(mapped.Count > 0 ? NativeLibrary.TryLoad(name, out lib) : NativeLibrary.TryLoad(name, typeof(torch).Assembly, null, out lib))) continue;
            // MKL_Set_Dynamic is the C entry point (int by value); mkl_set_dynamic is the Fortran one.
            if (!NativeLibrary.TryGetExport(lib, "MKL_Set_Dynamic", out var fn)) return false;
            ((delegate* unmanaged<int, void>)fn)(0);
            return true;
        }
        return false;
    }


    private static bool TuneGlibcMalloc()
    {
        if (!OperatingSystem.IsLinux()) return false;
        // A user who set the variables themselves has chosen; respect it. LIVT_MALLOC=default keeps
        // glibc's own behaviour, so the benchmark can show what the setting is worth.
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("LIVT_MALLOC") == "default") return false;
        try
        {
            _ = GnuGetLibcVersion(); // throws EntryPointNotFoundException on musl
            return Mallopt(M_MMAP_THRESHOLD, MmapThresholdBytes) == 1
                && Mallopt(M_TRIM_THRESHOLD, TrimThresholdBytes) == 1
                && (ArenaMax == 0 || Mallopt(M_ARENA_MAX, ArenaMax) == 1);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The allocator and garbage-collector settings in force, for benchmark reports.</summary>
    public static IReadOnlyDictionary<string, string> MemorySettings() => new SortedDictionary<string, string>
    {
        ["malloc"] = AllocatorTuned
            ? $"mmap_threshold {MmapThresholdBytes >> 20} MiB, trim_threshold {TrimThresholdBytes >> 20} MiB, arena_max " +
                $"{(ArenaMax == 0 ? "glibc default" : ArenaMax)}"
            : "glibc default (or the user's MALLOC_* variables)",
        ["gc"] = $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, latency {System.Runtime.GCSettings.LatencyMode}, " +
                 $"concurrent {AppContext.GetData("System.GC.Concurrent") ?? "default"}, conserve_memory " +
                     $"{AppContext.GetData("System.GC.ConserveMemory") ?? "default"}, " +
                 $"gen0size {Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "default"}",
        ["tiered_compilation"] = AppContext.GetData("System.Runtime.TieredCompilation")?.ToString()
            ?? Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? "default",
    };

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuGetLibcVersion();
}
