using Livt.Engine;
using Livt.Runtime;

namespace Livt.Evaluation;

/// <summary>What a report says about the run besides the metrics; <paramref name="Tuned"/> is a post-hoc
/// setting chosen on validation, when there is one; <paramref name="Precision"/> the precision the model was
/// run in, with its reason.</summary>
public sealed record ReportInfo(string Stage, string Loss, string Model, string Dataset, int Epochs, double Seconds,
    double Imbalance, int Seed, string? TestPrior, string? CountsNote = null, TunedValue? Tuned = null, PrecisionChoice? Precision = null,
    int Processes = 1, string Backend = "single", IReadOnlyList<string>? Notes = null);

/// <summary>Writes a run's report.json, report.md and PNG plots into one folder.</summary>
public static class Reports
{
    /// <summary>Writes everything; returns the report.json path. <paramref name="logPath"/> (log.jsonl),
    /// when it exists, feeds the training-curve plot. <paramref name="testDistributions"/>, when given,
    /// adds the test-agnostic table (splits drawn with <paramref name="testSplitSeed"/>).</summary>
    public static string Write(string dir, EvaluationResult result, ReportInfo info, string? logPath,
        IReadOnlyList<TestDistributionResult>? testDistributions = null, int testSplitSeed = 0)
    {
        Directory.CreateDirectory(dir);
        var report = RunReport.From(result, info.Loss, info.Model, info.Dataset, info.Epochs, info.Seconds) with
        {
            Stage = info.Stage, Imbalance = info.Imbalance, Seed = info.Seed, TestPrior = info.TestPrior, CountsNote = info.CountsNote, Tuned = info.Tuned,
            Precision = info.Precision?.Precision, PrecisionReason = info.Precision?.Reason, Processes = info.Processes, Backend = info.Backend,
            TestDistributions = testDistributions?.Select(TestDistributionMetrics.From).ToArray(),
            TestSplitSeed = testDistributions is null ? null : testSplitSeed,
            Notes = info.Notes is { Count: > 0 } notes ? notes : null,
        };
        var json = Path.Combine(dir, "report.json");
        report.WriteJson(json);
        report.WriteMarkdown(Path.Combine(dir, "report.md"));
        Plots.PerClassAccuracy(result, Path.Combine(dir, "per_class_accuracy.png"));
        Plots.Reliability(result, Path.Combine(dir, "reliability.png"));
        Plots.Confusion(result, Path.Combine(dir, "confusion.png"));
        if (logPath is not null)
        {
            var points = RunLog.ReadEpochs(logPath)
                .Select(o => new CurvePoint((string?)o["stage"] ?? "", (double?)o["epoch"] ?? 0, (double?)o["loss"], (double?)o["lr"], (double?)o["val_top1"]))
                .ToList();
            if (points.Count > 0) Plots.TrainingCurves(points, Path.Combine(dir, "training_curves.png"));
        }
        return json;
    }
}
