using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Engine;
using Livt.Runtime;
using Livt.Training;
using Livt.Training.Setup;

namespace Livt.Tests.Training;

/// <summary>A run decides its precision once (<see cref="PrecisionPolicy"/>), records the choice and the
/// reason in config.json and report.json, and keeps it when it resumes.</summary>
public class RunPrecisionTests
{
    [Fact]
    public void AFinetuneRunRecordsThePrecisionItChoseAndWhy()
    {
        var root = TinyRuns.TempDir();
        var run = new FinetuneRunner(TinyRuns.Finetune(Path.Combine(root, "ft"), init: null, epochs: 1, steps: 2)).Run();
        var expected = PrecisionPolicy.Resolve("auto", TrainingDevice.Parse("cpu"));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run.RunDir, "config.json")))!;
        Assert.Equal(("auto", expected.Precision, expected.Reason),
            ((string?)config["precision"], (string?)config["precision_used"], (string?)config["precision_reason"]));
        var report = JsonNode.Parse(File.ReadAllText(run.ReportPath!))!;
        Assert.Equal((expected.Precision, expected.Reason), ((string?)report["precision"], (string?)report["precision_reason"]));
        Assert.Contains(expected.Reason, File.ReadAllText(Path.Combine(run.RunDir, "report.md")));
    }

    [Fact]
    public void ARunResumedFromItsFolderKeepsItsPrecisionWhateverTheNewConfigSays()
    {
        // The quick start re-run on its folder resumes without --resume: the checkpoint decides, not the new config.
        var dir = Path.Combine(TinyRuns.TempDir(), "pre");
        var started = TinyRuns.Pretrain(dir, epochs: 1, steps: 1) with { Precision = "fp32" };
        new PretrainRunner(started).Run();
        Assert.True(ResumeCheckpoint.Exists(dir));

        var (again, choice) = RunSetup.ResolvePrecision(TinyRuns.Pretrain(dir) with { Precision = "bf16" }, dir);
        Assert.Equal(("fp32", "fp32: requested"), (again.PrecisionUsed, again.PrecisionReason));
        Assert.False(choice.IsBf16);

        // A folder from before precision_used was recorded: what it asked for (then fp32 or bf16) decides.
        ConfigResolver.Write(started, Path.Combine(dir, "config.json"));
        var (older, _) = RunSetup.ResolvePrecision(TinyRuns.Pretrain(dir) with { Precision = "bf16" }, dir);
        Assert.Equal(("fp32", "fp32", "fp32: requested"), (older.Precision, older.PrecisionUsed, older.PrecisionReason));

        // Without the checkpoint it is a new run and decides anew.
        Directory.Delete(Path.Combine(dir, "checkpoints"), recursive: true);
        var (fresh, _) = RunSetup.ResolvePrecision(TinyRuns.Pretrain(dir) with { Precision = "bf16" }, dir);
        Assert.Equal("bf16", fresh.PrecisionUsed);
        Assert.StartsWith("bf16: requested", fresh.PrecisionReason);
    }
}
