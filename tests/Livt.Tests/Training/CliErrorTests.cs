using System.Diagnostics;
using Livt.Models;
using Livt.Training;

using Livt.Interop;

namespace Livt.Tests.Training;

/// <summary>User mistakes end in one clear line on stderr and exit code 1, never a stack trace.</summary>
public class CliErrorTests
{
    internal static (int Code, string Stdout, string Stderr) Livt(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
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
    public void UnknownLoss() => AssertClearError(["finetune", "--loss", "hinge", "--out", TinyRuns.TempDir()], "hinge");

    [Fact]
    public void UnknownPreset() => AssertClearError(["pretrain", "--model", "vit_gigantic", "--out", TinyRuns.TempDir()], "vit_gigantic");

    [Fact]
    public void DatasetPathThatDoesNotExist() =>
        AssertClearError(["pretrain", "--dataset", "imagefolder", "--data-dir", "/nonexistent/images", "--out", TinyRuns.TempDir()], "/nonexistent/images");

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
}
