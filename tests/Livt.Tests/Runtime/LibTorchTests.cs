using Livt.Runtime;
using Livt.Tests.Training;
using TorchSharp;

namespace Livt.Tests.Runtime;

public class LibTorchTests
{
    [Fact]
    public void TheVersionComesFromPyTorchsVersionFileOrALibTorchArchivesBuildVersion()
    {
        using var dir = new Livt.Tests.Data.TempDir();
        var lib = Directory.CreateDirectory(Path.Combine(dir.Path, "torch", "lib")).FullName;
        Assert.Equal((null, null), LibTorch.ReadVersion(lib));
        File.WriteAllText(Path.Combine(dir.Path, "torch", "build-version"), "2.10.0+cu128\n");
        Assert.Equal(("2.10.0+cu128", "12.8"), LibTorch.ReadVersion(lib));
        File.WriteAllText(Path.Combine(dir.Path, "torch", "version.py"),
            "from typing import Optional\n__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']\n" +
            "__version__ = '2.11.0+cu130'\ndebug = False\ncuda: Optional[str] = '13.0'\nhip: Optional[str] = None\n");
        Assert.Equal(("2.11.0+cu130", "13.0"), LibTorch.ReadVersion(lib + "/"));
        File.WriteAllText(Path.Combine(dir.Path, "torch", "version.py"), "__version__ = '2.11.0+cpu'\ncuda: Optional[str] = None\n");
        Assert.Equal(("2.11.0+cpu", null), LibTorch.ReadVersion(lib));
        Assert.Equal("2.11", LibTorch.MajorMinor("2.11.0+cu130"));
    }

    [Fact]
    public void TheBuiltForVersionIsTorchSharpsAndTheSonameIsReadFromTheFile()
    {
        Assert.StartsWith(LibTorch.BuiltFor + ".", torch.__version__);
        var loaded = LibTorch.Loaded();
        Assert.Equal(1, loaded.Copies);
        Assert.Equal("libtorch_cpu.so", ElfFile.Soname(Path.Combine(loaded.Directory, "libtorch_cpu.so")));
        Assert.Null(ElfFile.Soname(typeof(LibTorchTests).Assembly.Location)); // not an ELF file
    }

    [Fact]
    public void DoctorNamesTheLibTorchItRunsOn()
    {
        var (code, stdout, stderr) = CliErrorTests.Livt("doctor");
        Assert.True(code == 0, stderr);
        Assert.Contains($"built for libtorch {LibTorch.BuiltFor}", stdout);
        Assert.Contains("libtorch 2.10.0, CPU only: ", stdout);
        Assert.Contains("(TorchSharp's package)", stdout);
        Assert.Contains("CUDA: ", stdout);
    }

    [Fact]
    public void ALibTorchSettingThatCannotWorkIsOneClearError()
    {
        var (code, _, stderr) = CliErrorTests.Livt(new Dictionary<string, string> { [LibTorch.Variable] = "/nonexistent/torch/lib" }, "doctor");
        Assert.Equal(1, code);
        Assert.StartsWith("error: LIVT_LIBTORCH=/nonexistent/torch/lib: /nonexistent/torch/lib has no libc10.so", stderr);

        // A build that carries TorchSharp's libtorch would load it beside the one named: refused before either loads.
        using var dir = new Livt.Tests.Data.TempDir();
        foreach (var lib in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" }) File.WriteAllText(Path.Combine(dir.Path, lib), "");
        (code, var stdout, stderr) = CliErrorTests.Livt(new Dictionary<string, string> { [LibTorch.Variable] = dir.Path }, "doctor");
        Assert.Equal(1, code);
        Assert.Contains("this Livt carries TorchSharp's own libtorch", stderr);
        Assert.DoesNotContain("frame #", stderr + stdout);
    }
}
