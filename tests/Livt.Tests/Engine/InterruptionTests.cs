using System.Diagnostics;
using System.Text.Json.Nodes;
using Livt.Interop;
using Livt.Tests.Training;

namespace Livt.Tests.Engine;

/// <summary>A run killed or interrupted mid-epoch continues to exactly the weights of an uninterrupted run.</summary>
public class InterruptionTests
{
    private static string[] Args(string outDir, params string[] extra) =>
    [
        "finetune", "--out", outDir, "--epochs", "2", "--steps-per-epoch", "6", "--warmup-epochs", "0.5", "--batch-size", "32",
        "--embed-dim", "32", "--depth", "2", "--num-heads", "2", "--threads", "1", "--workers", "1", "--seed", "5", "--lr", "3e-3",
        "--drop-path", "0.1", "--mixup", "0.8", "--cutmix", "1.0", "--smoothing", "0.1", .. extra,
    ];

    private static Process Start(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "livt.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        return p;
    }

    /// <summary>Waits until the run has a mid-epoch checkpoint at or after global step <paramref name="minGlobal"/> (six steps an epoch).</summary>
    private static void WaitForCheckpoint(string runDir, int minGlobal, Process p)
    {
        var pointer = Path.Combine(runDir, "checkpoints", "latest.json");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (p.HasExited) throw new InvalidOperationException($"the run ended before its checkpoint (exit {p.ExitCode}): {p.StandardError.ReadToEnd()}");
            if (File.Exists(pointer))
            {
                try
                {
                    var point = JsonNode.Parse(File.ReadAllText(pointer))!["Point"]!;
                    if ((int)point["Epoch"]! * 6 + (int)point["Step"]! >= minGlobal) return;
                }
                catch (System.Text.Json.JsonException) { }
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException("no checkpoint within 2 minutes");
    }

    private static void AssertSameWeights(string a, string b)
    {
        using var fa = SafeTensors.Read(Path.Combine(a, "model.safetensors"));
        using var fb = SafeTensors.Read(Path.Combine(b, "model.safetensors"));
        foreach (var (name, t) in fa.Tensors)
            Assert.True(t.bytes.SequenceEqual(fb.Tensors[name].bytes), $"{name} differs after resume");
    }

    /// <summary>The uninterrupted run both kill tests compare with.</summary>
    private static readonly Lazy<string> Whole = new(() =>
    {
        var whole = Path.Combine(TinyRuns.TempDir(), "whole");
        var (code, _, err) = CliErrorTests.Livt(Args(whole));
        Assert.True(code == 0, err);
        return whole;
    });

    [Fact]
    public void SigkillAfterAMidEpochCheckpointResumesToTheSameWeights()
    {
        var root = TinyRuns.TempDir();
        var whole = Whole.Value;
        int code;
        string err;

        var cut = Path.Combine(root, "cut");
        int killAfter = new Random().Next(1, 9);
        using (var p = Start(Args(cut, "--save-every-steps", "1")))
        {
            WaitForCheckpoint(cut, killAfter, p);
            p.Kill();
            p.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(cut, "model.safetensors")), "the run finished before it was killed");
        (code, _, err) = CliErrorTests.Livt("finetune", "--resume", cut, "--threads", "1");
        Assert.True(code == 0, err);
        AssertSameWeights(whole, cut);
    }

    [Fact]
    public void SigkillWhileACheckpointIsBeingWrittenResumesToTheSameWeights()
    {
        var cut = Path.Combine(TinyRuns.TempDir(), "cut");
        using (var p = Start(Args(cut, "--save-every-steps", "1")))
        {
            WaitForCheckpoint(cut, 1, p);
            // Killed as soon as the next save creates a temp file: between a write and its rename.
            using var killed = new ManualResetEventSlim();
            using var watcher = new FileSystemWatcher(Path.Combine(cut, "checkpoints"), "*.tmp") { IncludeSubdirectories = true };
            watcher.Created += (_, _) =>
            {
                try { p.Kill(); } catch (InvalidOperationException) { }
                killed.Set();
            };
            watcher.EnableRaisingEvents = true;
            Assert.True(killed.Wait(TimeSpan.FromMinutes(2)), "no checkpoint write within 2 minutes");
            p.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(cut, "model.safetensors")), "the run finished before it was killed");
        var (code, _, err) = CliErrorTests.Livt("finetune", "--resume", cut, "--threads", "1");
        Assert.True(code == 0, err);
        AssertSameWeights(Whole.Value, cut);
    }

    [Fact]
    public void CtrlCLeavesACheckpointPrintsTheResumeCommandAndExitsWithTheSignalStatus()
    {
        var root = TinyRuns.TempDir();
        var run = Path.Combine(root, "run");
        using var p = Start(Args(run, "--save-every-steps", "2"));
        WaitForCheckpoint(run, 2, p);
        Assert.Equal(0, SendSignal(p.Id, 2));
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "the run did not stop after SIGINT");
        Assert.Equal(130, p.ExitCode);
        Assert.Contains($"livt finetune --resume {run}", stderr);
        Assert.False(File.Exists(Path.Combine(run, "model.safetensors")));
        var (code, _, err) = CliErrorTests.Livt("finetune", "--resume", run);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(run, "model.safetensors")));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);
}
