using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Interop;
using Livt.Tests.Training;
using Livt.Training;

namespace Livt.Tests.Engine;

/// <summary>A damaged or unfinished newest checkpoint costs the steps since the previous one, not the run.</summary>
public class CheckpointRecoveryTests
{
    private const string Newest = "epoch-0001-step-000001", Previous = "epoch-0001-step-000000";

    private static TrainConfig Config(string dir)
    {
        var o = TinyRuns.Overrides(dir, epochs: 2, steps: 3);
        o["lr"] = 3e-3;
        o["save_every_steps"] = 1;
        return ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o);
    }

    private static readonly Lazy<string> Whole = new(() =>
    {
        var dir = Path.Combine(TinyRuns.TempDir(), "whole");
        return new FinetuneRunner(Config(dir)).Run().ModelPath;
    });

    /// <summary>A run stopped after step 2 of epoch 2, before that step's checkpoint: <see cref="Newest"/>
    /// (after step 1) and <see cref="Previous"/> (the epoch's start) are on disk.</summary>
    private static string CutRun()
    {
        var dir = Path.Combine(TinyRuns.TempDir(), "cut");
        Assert.Throws<OperationCanceledException>(() => new FinetuneRunner(Config(dir), new ResumeTests.KillAt(epoch: 1, step: 2)).Run());
        Assert.Equal([Previous, Newest], Directory.GetDirectories(Path.Combine(dir, "checkpoints")).Select(Path.GetFileName).Order());
        return dir;
    }

    private static string Resume(string dir, RecordingObserver messages) =>
        new FinetuneRunner(ConfigResolver.ReadResolved(Path.Combine(dir, "config.json")), messages).Run().ModelPath;

    private static void AssertSameWeights(string expected, string actual)
    {
        using var a = SafeTensors.Read(expected);
        using var b = SafeTensors.Read(actual);
        foreach (var (name, t) in a.Tensors)
            Assert.True(t.bytes.SequenceEqual(b.Tensors[name].bytes), $"{name} differs after resume");
    }

    private static void Damage(string file, Func<byte[], byte[]> how) => File.WriteAllBytes(file, how(File.ReadAllBytes(file)));

    [Theory]
    [InlineData("weights.safetensors", "bit")]
    [InlineData(Livt.Optimization.OptimizerState.FileName, "truncated")]
    [InlineData("checkpoint.json", "unfinished")]
    public void ADamagedNewestCheckpointIsSkippedWithAMessageAndTheRunEndsAsIfUninterrupted(string file, string damage)
    {
        var dir = CutRun();
        var checkpoints = Path.Combine(dir, "checkpoints");
        var path = Path.Combine(checkpoints, Newest, file);
        switch (damage)
        {
            case "truncated": Damage(path, b => b[..(b.Length / 2)]); break;
            case "bit": Damage(path, b => { b[^3] ^= 0x04; return b; }); break;
            default:
                // Killed after the weights, before the manifest: latest.json still names the previous folder.
                File.Delete(path);
                var previous = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoints, Previous, "checkpoint.json")))!;
                File.WriteAllText(Path.Combine(checkpoints, "latest.json"),
                    new JsonObject { ["Dir"] = Previous, ["Point"] = previous["Point"]!.DeepClone() }.ToJsonString());
                break;
        }
        var messages = new RecordingObserver();
        AssertSameWeights(Whole.Value, Resume(dir, messages));
        var note = Assert.Single(messages.Messages, l => l.Contains("resuming from"));
        Assert.Contains(Path.Combine("checkpoints", Newest), note);
        Assert.Contains(damage == "unfinished" ? "unfinished" : "damaged", note);
        Assert.EndsWith($"resuming from {Path.Combine(dir, "checkpoints", Previous)} instead", note);
    }

    [Fact]
    public void ARunFolderWrittenBeforeManifestsResumesFromItsPointer()
    {
        var dir = CutRun();
        foreach (var manifest in Directory.GetFiles(Path.Combine(dir, "checkpoints"), "checkpoint.json", SearchOption.AllDirectories))
            File.Delete(manifest);
        var messages = new RecordingObserver();
        AssertSameWeights(Whole.Value, Resume(dir, messages));
        Assert.DoesNotContain(messages.Messages, l => l.Contains("resuming from"));
    }

    [Fact]
    public void WhenEveryCheckpointIsDamagedTheErrorNamesEachProblem()
    {
        var dir = CutRun();
        foreach (var name in new[] { Newest, Previous })
            Damage(Path.Combine(dir, "checkpoints", name, "weights.safetensors"), b => b[..100]);
        var e = Assert.Throws<LivtException>(() => Resume(dir, new RecordingObserver()));
        Assert.Contains("no intact checkpoint", e.Message);
        Assert.Contains(Newest, e.Message);
        Assert.Contains(Previous, e.Message);
    }

    [Fact]
    public async Task AFullDiskWhileSavingEndsInOneErrorLineAndThePreviousCheckpointResumes()
    {
        var dir = CutRun();
        long weights = new FileInfo(Path.Combine(dir, "checkpoints", Newest, "weights.safetensors")).Length;
        // RLIMIT_FSIZE refuses the checkpoint's files (EFBIG) as a full disk would (ENOSPC); the runtime's
        // W^X double mapping needs a file of its own and is turned off so that the limit does not stop it first.
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"trap '' XFSZ; ulimit -f {weights / 2048}; exec dotnet \"$0\" finetune --resume \"$1\"");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "livt.dll"));
        psi.ArgumentList.Add(dir);
        psi.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        using (var p = System.Diagnostics.Process.Start(psi)!)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 1, $"exit {p.ExitCode}: {stderr}");
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: cannot save the checkpoint", line);
            Assert.Contains($"the previous checkpoint, {Path.Combine(dir, "checkpoints", Newest)}, is intact", line);
            Assert.DoesNotContain("   at ", await stdout);
        }
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal([Previous, Newest], Directory.GetDirectories(Path.Combine(dir, "checkpoints")).Select(Path.GetFileName).Order());
        var messages = new RecordingObserver();
        AssertSameWeights(Whole.Value, Resume(dir, messages));
        Assert.DoesNotContain(messages.Messages, l => l.Contains("resuming from"));
    }
}
