using System.Diagnostics;
using Livt.Interop;
using Livt.Models;

namespace Livt.Tests.Training;

/// <summary>User mistakes end in one clear line on stderr and exit code 1, never a stack trace.</summary>
public class CliErrorTests
{
    internal static (int Code, string Stdout, string Stderr) Livt(params string[] args) => Livt(new Dictionary<string, string>(), args);

    /// <summary>Runs the built livt with <paramref name="environment"/> added to this process's variables.</summary>
    internal static (int Code, string Stdout, string Stderr) Livt(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "livt.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    private static void AssertClearError(string[] args, string expected)
    {
        var (code, stdout, stderr) = Livt(args);
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }

    [Fact]
    public void MissingInitFile() =>
        AssertClearError(["finetune", "--init", "/nonexistent/mgp.safetensors", "--out", TinyRuns.TempDir()], "/nonexistent/mgp.safetensors");

    [Fact]
    public void MomentumWithAdamwIsRefused() =>
        AssertClearError(["finetune", "--momentum", "0.9", "--out", TinyRuns.TempDir()], "--momentum 0.9: SGD's; this run's --optimizer is adamw");

    [Fact]
    public void UnknownOptimizer() => AssertClearError(["finetune", "--optimizer", "lamb", "--out", TinyRuns.TempDir()], "lamb");

    [Fact]
    public void UnknownLoss() => AssertClearError(["finetune", "--loss", "hinge", "--out", TinyRuns.TempDir()], "hinge");

    [Fact]
    public void UnknownPreset() => AssertClearError(["pretrain", "--model", "vit_gigantic", "--out", TinyRuns.TempDir()], "vit_gigantic");

    [Fact]
    public void DatasetPathThatDoesNotExist() =>
        AssertClearError(["pretrain", "--dataset", "imagefolder", "--data-dir", "/nonexistent/images", "--out", TinyRuns.TempDir()], "/nonexistent/images");

    [Theory]
    [InlineData("1")]
    [InlineData("auto")]
    public void AnotherStagesFlag(string tau) =>
        AssertClearError(["retrain-head", "--init", "/nonexistent/run", "--method", "crt", "--tau", tau], "--tau belongs to --method tau-norm, not crt");

    [Fact]
    public void UnknownTestDistribution() =>
        AssertClearError(["evaluate", "/nonexistent/run", "--test-distributions", "forward50,sideways5"], "sideways5");

    [Fact]
    public void CheckpointOfAnotherArchitecture()
    {
        var dir = TinyRuns.TempDir();
        var path = Path.Combine(dir, "other.safetensors");
        var config = ModelPresets.Get(ModelPresets.QuickStart) with { EmbedDim = 48, NumHeads = 3, Depth = 1 };
        using (var mae = new MaskedAutoencoder(config))
            ModelCheckpoint.Save(path, mae, new ModelMetadata
            {
                Kind = "mae", Model = config, Mean = [0.3f], Std = [0.35f], ClassNames = [], ClassCounts = [], Dataset = "fashion-mnist-lt",
            });
        AssertClearError(["finetune", "--init", path, "--out", Path.Combine(dir, "run"), "--steps-per-epoch", "1"], "other.safetensors");
    }

    [Fact]
    public void ALibTorchErrorIsOneLineThatSaysWhatToTry()
    {
        // A real libtorch failure on any machine: the bench's batch of 10⁸ images needs ~300 GB.
        string[] args = ["bench", "infer", "--batch-size", "100000000", "--steps", "1", "--warmup", "0", "--threads", "1"];
        var (code, stdout, stderr) = Livt(args);
        Assert.Equal(1, code);
        Assert.StartsWith("error: the CPU ran out of memory: DefaultCPUAllocator", stderr);
        Assert.Contains("--batch-size", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.DoesNotContain("frame #", stderr + stdout);
        Assert.DoesNotContain("   at ", stderr + stdout);

        var (verboseCode, _, verbose) = Livt([.. args, "--verbose"]);
        Assert.Equal(1, verboseCode);
        Assert.StartsWith("error: the CPU ran out of memory", verbose);
        Assert.Contains("System.Runtime.InteropServices.ExternalException", verbose);
        Assert.Contains("   at ", verbose);
    }

    [Theory]
    [InlineData("CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 139.81 GiB\nException raised from malloc at /pytorch/c10/cuda/CUDACachingAllocator.cpp:1 (most recent call first):\nframe #0: c10::Error::Error",
        "the GPU ran out of memory: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 139.81 GiB; try a smaller --batch-size")]
    [InlineData("Expected a 'cuda' device type for generator but found 'cpu'\nException raised from check_generator at /pytorch/aten/src/ATen/core/Generator.h:156",
        "tensors on different devices: Expected a 'cuda' device type for generator but found 'cpu'; this is a bug in Livt")]
    [InlineData("Could not run 'aten::_flash_attention_forward' with arguments from the 'CPU' backend.\nframe #0: x",
        "the loaded libtorch has no kernel for this operation: Could not run 'aten::_flash_attention_forward' with arguments from the 'CPU' backend.; try --precision fp32")]
    [InlineData("CUDA error: an illegal memory access was encountered\nCUDA kernel errors might be asynchronously reported",
        "CUDA failed: CUDA error: an illegal memory access was encountered CUDA kernel errors might be asynchronously reported; `livt doctor`")]
    [InlineData("[enforce fail at inline_container.cc:1] . file not found: archive/data.pkl", "libtorch failed: . file not found: archive/data.pkl; rerun with --verbose")]
    public void LibTorchMessagesSayWhatFailedAndWhatToTry(string what, string start) => Assert.StartsWith(start, global::Livt.Cli.UserError.Describe(what));

    [Fact]
    public void PickleThatCallsCodeIsRefusedNotRun()
    {
        const string marker = "/tmp/livt-pth-fixture-payload-ran"; // what fixtures/pth/malicious.pth would create
        File.Delete(marker);
        AssertClearError(["predict", Models.TensorAssert.Fixture("pth", "malicious.pth"), "image.png"], "posix.system");
        Assert.False(File.Exists(marker));
    }
}
