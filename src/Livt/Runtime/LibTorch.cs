using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TorchSharp;

namespace Livt.Runtime;

/// <summary>
/// Which libtorch the process runs on. Without a setting, TorchSharp loads the one its package brought
/// (libtorch 2.10, CPU, for TorchSharp-cpu 0.107). <c>LIVT_LIBTORCH=/path/to/torch/lib</c> — or
/// <c>python</c> (<c>python:/path/to/python3</c>) for the <c>torch/lib</c> of that interpreter's
/// <c>import torch</c> — makes a Livt built without TorchSharp's libtorch (the GPU kit's app,
/// <c>bench/gpu/make-kit.sh</c>) run on another, typically a PyTorch install's CUDA libtorch on a GPU
/// machine. <see cref="Load"/> must run before anything touches TorchSharp (the CLI calls it first,
/// <see cref="LivtRuntime.Initialize"/> calls it too): it loads that folder's libraries by full path
/// (and, as PyTorch does, <c>libtorch_global_deps.so</c> first, with the CUDA libraries of a pip install
/// beside it), then TorchSharp's <c>libLibTorchSharp.so</c> with every symbol bound at once, so a libtorch
/// it does not fit fails here, naming the missing symbol, rather than in some later call. TorchSharp
/// then finds those libraries loaded under the names it asks for. A build that carries TorchSharp's own
/// libtorch cannot do this: TorchSharp loads its copy by path as soon as it initialises, and two
/// libtorch in one process abort; <see cref="Load"/> refuses that combination with a message.
/// </summary>
public static class LibTorch
{
    /// <summary>The environment variable that chooses a libtorch.</summary>
    public const string Variable = "LIVT_LIBTORCH";

    /// <summary>The libtorch version (major.minor) TorchSharp 0.107 was built against.</summary>
    public const string BuiltFor = "2.10";

    /// <summary>Versions (major.minor) Livt has been seen to run on: the one TorchSharp was built for,
    /// and PyTorch 2.11's CUDA libtorch on an H200.</summary>
    public static IReadOnlyList<string> SeenToWork { get; } = [BuiltFor, "2.11"];

    private static readonly object Gate = new();
    private static bool _done;

    /// <summary>The libtorch <c>LIVT_LIBTORCH</c> chose and <see cref="Load"/> loaded; null without the setting.</summary>
    public static LibTorchInfo? Chosen { get; private set; }

    /// <summary>Loads the libtorch <c>LIVT_LIBTORCH</c> names, once per process; without the setting,
    /// leaves TorchSharp to load its own. Returns what was loaded (with a warning for a version Livt has
    /// not been seen to run on), or null without the setting.</summary>
    /// <exception cref="LivtException">The folder is not a libtorch that fits, this build carries its own
    /// libtorch (or, without the setting, none), or another libtorch is already loaded.</exception>
    public static LibTorchInfo? Load()
    {
        lock (Gate)
        {
            if (_done) return Chosen;
            var value = Environment.GetEnvironmentVariable(Variable);
            var bundled = BundledDirectory();
            if (!string.IsNullOrWhiteSpace(value)) Chosen = LoadFrom(value.Trim(), bundled);
            // An app folder with TorchSharp's library but no libtorch beside it: the kit's app, which would fail
            // in TorchSharp's loader with a page of trace. (Elsewhere, e.g. TorchSharp in a NuGet cache, its loader looks.)
            else if (bundled is null && OperatingSystem.IsLinux() && MappedLibraries("libtorch_cpu.so").Count == 0
                     && NativeSearchDirectories().Any(d => File.Exists(Path.Combine(d, "libLibTorchSharp.so"))))
                throw new LivtException($"this Livt was built without TorchSharp's libtorch (a GPU kit's app): set {Variable} to a libtorch's lib folder, " +
                                        "or to python for the one python3's `import torch` uses (docs/GPU.md)");
            _done = true;
            return Chosen;
        }
    }

    /// <summary>The libtorch this process runs on (loading TorchSharp's if nothing has yet).</summary>
    public static LibTorchInfo Loaded()
    {
        Load();
        _ = torch.get_num_threads(); // makes TorchSharp load its native libraries
        var cpu = MappedLibraries("libtorch_cpu.so");
        if (Chosen is { } chosen) return chosen with { Copies = cpu.Count };
        var dir = cpu.Count > 0 ? Path.GetDirectoryName(cpu[0])! : "";
        var (version, cuda) = ReadVersion(dir);
        // TorchSharp's package brings no version file: its libtorch is the one the package was built with.
        return new LibTorchInfo(dir, version ?? NuGetVersion(torch.__version__), cuda ?? MappedCuda(), "TorchSharp's package", Warning: null, cpu.Count);
    }

    private static LibTorchInfo LoadFrom(string value, string? bundled)
    {
        string dir = Path.TrimEndingDirectorySeparator(value.StartsWith("python", StringComparison.Ordinal) ? FromPython(value) : Path.GetFullPath(value));
        foreach (var lib in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            if (!File.Exists(Path.Combine(dir, lib)))
                throw new LivtException($"{Variable}={value}: {dir} has no {lib}; give a libtorch's lib folder, e.g. PyTorch's torch/lib " +
                                        $"(python3 -c \"import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))\"), or " +
                                            $"{Variable}=python");
        if (bundled is not null && !SameFile(Path.Combine(bundled, "libtorch_cpu.so"), Path.Combine(dir, "libtorch_cpu.so")))
            throw new LivtException($"{Variable}={value}: this Livt carries TorchSharp's own libtorch ({bundled}), which TorchSharp would load as well, " +
                                    "and two libtorch in one process abort; run the GPU kit's app (bash bench/gpu/make-kit.sh: Livt without that libtorch), " +
                                    $"or unset {Variable} to use the libtorch it carries");
        // TorchSharp's library asks for these names; the loader counts a library as the one asked for only
        // when its SONAME is that name, otherwise it loads the copy beside TorchSharp as well: two libtorch.
        foreach (var lib in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            if (ElfFile.Soname(Path.Combine(dir, lib)) is { } soname && soname != lib)
                throw new LivtException($"{Variable}={value}: {Path.Combine(dir, lib)} calls itself {soname} (its SONAME), and TorchSharp needs a library " +
                                        $"called {lib}: a distribution's build of libtorch cannot stand in; use PyTorch's pip wheel or a libtorch archive " +
                                            "from pytorch.org");
        var already = MappedLibraries("libtorch_cpu.so");
        if (already.Count > 0 && already.Any(p => Path.GetDirectoryName(p) != dir))
            throw new LivtException($"{Variable}={value}: libtorch was already loaded from {Path.GetDirectoryName(already[0])}; " +
                                    "the setting must be read before anything uses TorchSharp (call LivtRuntime.Initialize first)");
        var (version, cuda) = ReadVersion(dir);
        var warning = Warning(version, dir);
        var dl = DynamicLinker.Open();
        LoadGlobalDeps(dl, dir);
        foreach (var lib in new[] { "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so" })
        {
            var path = Path.Combine(dir, lib);
            if (File.Exists(path)) dl.Load(path, DynamicLinker.Lazy | DynamicLinker.Global, what => LoadFailed(value, version, what));
        }
        dl.Load(TorchSharpLibrary(), DynamicLinker.Now, what => LoadFailed(value, version, what));
        return new LibTorchInfo(dir, version, cuda, value.StartsWith("python", StringComparison.Ordinal) ? $"{Variable}={value}" : Variable, warning, 1);
    }

    private static LivtException LoadFailed(string value, string? version, string what) =>
        new($"{Variable}={value}: {what}; TorchSharp 0.107 is built for libtorch {BuiltFor} " +
            $"(seen to work: {string.Join(", ", SeenToWork)}){(version is null ? "" : $", this one is {version}")}");

    private static string? Warning(string? version, string dir)
    {
        if (version is null)
            return $"{Variable}: the libtorch in {dir} has no version file (torch/version.py or build-version); TorchSharp 0.107 is built for {BuiltFor} " +
                   $"and Livt was seen to work on {string.Join(" and ", SeenToWork)}";
        var majorMinor = MajorMinor(version);
        return SeenToWork.Contains(majorMinor) ? null
            : $"{Variable}: libtorch {version} in {dir}: TorchSharp 0.107 is built for {BuiltFor} and Livt was seen to work on " +
              $"{string.Join(" and ", SeenToWork)} only; if a command fails with a missing symbol or kernel, use one of those";
    }

    /// <summary>"2.11" of "2.11.0+cu130".</summary>
    internal static string MajorMinor(string version)
    {
        var m = Regex.Match(version, @"^(\d+)\.(\d+)");
        return m.Success ? $"{m.Groups[1].Value}.{m.Groups[2].Value}" : version;
    }

    /// <summary>"2.10.0" of TorchSharp's NuGet-style "2.10.0.0".</summary>
    private static string NuGetVersion(string v) => Regex.Replace(v, @"^(\d+\.\d+\.\d+)\.0$", "$1");

    /// <summary>The version and CUDA version of the libtorch in <paramref name="libDir"/>: PyTorch's
    /// <c>torch/version.py</c> or a libtorch archive's <c>build-version</c>, one folder up.</summary>
    internal static (string? Version, string? Cuda) ReadVersion(string libDir)
    {
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(libDir));
        if (parent is null) return (null, null);
        var py = Path.Combine(parent, "version.py");
        if (File.Exists(py))
        {
            var text = File.ReadAllText(py);
            var version = Regex.Match(text, @"^__version__\s*(?::[^=]*)?=\s*'([^']+)'", RegexOptions.Multiline);
            var cuda = Regex.Match(text, @"^cuda\s*(?::[^=]*)?=\s*'([^']+)'", RegexOptions.Multiline);
            return (version.Success ? version.Groups[1].Value : null, cuda.Success ? cuda.Groups[1].Value : null);
        }
        var build = Path.Combine(parent, "build-version");
        if (File.Exists(build))
        {
            var version = File.ReadAllText(build).Trim();
            var cu = Regex.Match(version, @"\+cu(\d+)(\d)$");
            return (version, cu.Success ? $"{cu.Groups[1].Value}.{cu.Groups[2].Value}" : null);
        }
        return (null, null);
    }

    private static string FromPython(string value)
    {
        var python = value.StartsWith("python:", StringComparison.Ordinal) ? value["python:".Length..] : "python3";
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))" }) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            if (!p.WaitForExit(120_000)) throw new LivtException($"{Variable}={value}: {python} did not finish importing torch in 2 minutes");
            if (p.ExitCode != 0)
                throw new LivtException($"{Variable}={value}: {python} could not import torch: {stderr.Trim().Split('\n')[^1]}");
            return stdout.Result.Trim();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LivtException($"{Variable}={value}: {python} could not be started: {e.Message}");
        }
    }

    /// <summary>PyTorch loads <c>libtorch_global_deps.so</c> first, with global symbols, so the CUDA
    /// libraries it names are there for every later library; where a pip install keeps those in
    /// <c>site-packages/nvidia/*/lib</c> and they are not found, it loads them from there first (as
    /// <c>torch/__init__.py</c>'s <c>_load_global_deps</c> does).</summary>
    private static void LoadGlobalDeps(DynamicLinker dl, string dir)
    {
        var deps = Path.Combine(dir, "libtorch_global_deps.so");
        if (!File.Exists(deps) || dl.TryLoad(deps, DynamicLinker.Now | DynamicLinker.Global, out _) != IntPtr.Zero) return;
        var nvidia = Path.GetFullPath(Path.Combine(dir, "..", "..", "nvidia"));
        if (Directory.Exists(nvidia))
            foreach (var (folder, pattern) in PipCudaLibraries)
            {
                var lib = Path.Combine(nvidia, folder, "lib");
                if (!Directory.Exists(lib)) continue;
                foreach (var file in Directory.GetFiles(lib).Where(f => Regex.IsMatch(Path.GetFileName(f), pattern)).Order(StringComparer.Ordinal))
                    dl.TryLoad(file, DynamicLinker.Now | DynamicLinker.Global, out _);
            }
        dl.Load(deps, DynamicLinker.Now | DynamicLinker.Global, what => new LivtException($"{Variable}: {what}"));
    }

    /// <summary>The CUDA libraries of PyTorch's pip wheels (nvidia-*-cu* packages), in the order
    /// <c>torch/__init__.py</c> preloads them.</summary>
    private static readonly (string Folder, string Pattern)[] PipCudaLibraries =
    [
        ("cublas", @"^libcublas\.so\.\d+$"), ("cublas", @"^libcublasLt\.so\.\d+$"), ("cudnn", @"^libcudnn\.so\.\d+$"),
        ("cuda_nvrtc", @"^libnvrtc\.so\.\d+$"), ("cuda_runtime", @"^libcudart\.so\.\d+$"), ("cuda_cupti", @"^libcupti\.so\.\d+$"),
        ("cufft", @"^libcufft\.so\.\d+$"), ("curand", @"^libcurand\.so\.\d+$"), ("nvjitlink", @"^libnvJitLink\.so\.\d+$"),
        ("cusparse", @"^libcusparse\.so\.\d+$"), ("cusparselt", @"^libcusparseLt\.so\.\d+$"), ("cusolver", @"^libcusolver\.so\.\d+$"),
        ("nccl", @"^libnccl\.so\.\d+$"), ("nvtx", @"^libnvToolsExt\.so\.\d+$"), ("cufile", @"^libcufile\.so\.\d+$"),
    ];

    /// <summary>TorchSharp's <c>libLibTorchSharp.so</c>, where .NET would look for it.</summary>
    private static string TorchSharpLibrary()
    {
        const string file = "libLibTorchSharp.so";
        return NativeSearchDirectories().Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists)
            ?? throw new LivtException($"{Variable}: {file} (TorchSharp's native library) was not found beside TorchSharp.dll: the build is incomplete");
    }

    /// <summary>The folder TorchSharp would load its own libtorch from (its package's, copied into the
    /// build), or null for a build without it.</summary>
    private static string? BundledDirectory() =>
        NativeSearchDirectories().FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")));

    /// <summary>Where .NET looks for a native library by name: the host's native search folders (the
    /// app's runtimes/&lt;rid&gt;/native), then TorchSharp's own folder.</summary>
    private static IEnumerable<string> NativeSearchDirectories()
    {
        var beside = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory;
        return (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(beside, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"))
            .Append(Path.Combine(beside, "runtimes", "linux-x64", "native"))
            .Append(beside)
            .Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)))
            .Distinct(StringComparer.Ordinal);
    }

    private static bool SameFile(string a, string b) =>
        File.Exists(a) && File.Exists(b) && (new FileInfo(a).ResolveLinkTarget(true)?.FullName
            ?? Path.GetFullPath(a)) == (new FileInfo(b).ResolveLinkTarget(true)?.FullName ?? Path.GetFullPath(b));

    /// <summary>The files named <paramref name="fileName"/> mapped into this process (/proc/self/maps).</summary>
    internal static IReadOnlyList<string> MappedLibraries(string fileName)
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return [];
        return File.ReadLines(maps)
            .Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..].Trim() : "")
            .Where(p => p.Length > 0 && Path.GetFileName(p) == fileName)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The CUDA runtime's major version from the libcudart mapped in, or null (a CPU-only libtorch).</summary>
    private static string? MappedCuda()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        var m = File.ReadLines(maps).Select(l => Regex.Match(l, @"/libcudart[^/]*\.so\.(\d+)")).FirstOrDefault(m => m.Success);
        return m is null ? null : m.Groups[1].Value;
    }
}

/// <summary>A libtorch this process runs on.</summary>
/// <param name="Directory">Its lib folder.</param>
/// <param name="Version">Its version, e.g. "2.11.0+cu130"; null where it has no version file.</param>
/// <param name="Cuda">The CUDA version it was built with (e.g. "13.0"), the CUDA runtime's major version
/// when only that is known, or null for a CPU-only libtorch.</param>
/// <param name="Source">How it was chosen: "TorchSharp's package" or the <c>LIVT_LIBTORCH</c> setting.</param>
/// <param name="Warning">Set for a version Livt has not been seen to run on.</param>
/// <param name="Copies">How many libtorch_cpu.so files are mapped into the process (more than 1 is a broken load).</param>
public sealed record LibTorchInfo(string Directory, string? Version, string? Cuda, string Source, string? Warning, int Copies);
