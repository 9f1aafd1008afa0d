using System.Text.Json;
using System.Text.Json.Serialization;
using Livt.Data;
using Livt.Interop;

namespace Livt.Evaluation;

/// <summary>
/// What a run's <c>report.json</c> holds: the metrics of <see cref="EvaluationResult"/> (without the
/// confusion matrix and reliability bins, which go to plots) plus how the run was made. Keys are
/// snake_case; an empty shot group is written as <c>null</c>, a class without test images has a
/// <c>null</c> accuracy in <c>per_class</c>.
/// </summary>
public sealed record RunReport
{
    [JsonPropertyName("top1")] public required double Top1 { get; init; }
    [JsonPropertyName("top5")] public required double Top5 { get; init; }
    [JsonPropertyName("many")] public required double? Many { get; init; }
    [JsonPropertyName("medium")] public required double? Medium { get; init; }
    [JsonPropertyName("few")] public required double? Few { get; init; }
    /// <summary>Expected calibration error, percent (15 bins).</summary>
    [JsonPropertyName("ece")] public required double Ece { get; init; }
    /// <summary>Mean cross-entropy, nats.</summary>
    [JsonPropertyName("nll")] public required double Nll { get; init; }
    /// <summary>Accuracy per class, percent; null for a class with no test image.</summary>
    [JsonPropertyName("per_class")] public required double?[] PerClass { get; init; }
    /// <summary>Training images per class.</summary>
    [JsonPropertyName("class_counts")] public required long[] ClassCounts { get; init; }
    /// <summary>Test images per class.</summary>
    [JsonPropertyName("test_counts")] public required long[] TestCounts { get; init; }
    [JsonPropertyName("class_names")] public required string[] ClassNames { get; init; }
    /// <summary>Shot-group boundaries: many-shot above this many training images.</summary>
    [JsonPropertyName("many_threshold")] public int ManyThreshold { get; init; } = ShotThresholds.Default.Many;
    /// <summary>Shot-group boundaries: few-shot below this many training images.</summary>
    [JsonPropertyName("few_threshold")] public int FewThreshold { get; init; } = ShotThresholds.Default.Few;
    /// <summary>Training loss name (e.g. "bal_bce").</summary>
    [JsonPropertyName("loss")] public required string Loss { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("dataset")] public required string Dataset { get; init; }
    [JsonPropertyName("epochs")] public required int Epochs { get; init; }
    /// <summary>Wall-clock training time, seconds.</summary>
    [JsonPropertyName("seconds")] public required double Seconds { get; init; }
    /// <summary>The stage the evaluated model comes from ("bft", "eval", ...).</summary>
    [JsonPropertyName("stage")] public required string Stage { get; init; }
    /// <summary>Imbalance factor n_max / n_min of the training set.</summary>
    [JsonPropertyName("imbalance")] public double? Imbalance { get; init; }
    [JsonPropertyName("seed")] public int? Seed { get; init; }
    /// <summary>Processes that trained (or evaluated) data-parallel; 1 for an ordinary run.</summary>
    [JsonPropertyName("processes")] public int? Processes { get; init; }
    /// <summary>Their communication backend: "single", "mpi" or "nccl".</summary>
    [JsonPropertyName("backend")] public string? Backend { get; init; }
    /// <summary>Training throughput, images per second.</summary>
    [JsonPropertyName("images_per_second")] public double? ImagesPerSecond { get; init; }
    /// <summary>The test label distribution the logits were adjusted for (a file path or a name such as
    /// "uniform"); null when the raw logits were evaluated.</summary>
    [JsonPropertyName("test_prior")] public string? TestPrior { get; init; }
    /// <summary>A post-hoc setting chosen on a validation split (e.g. τ of τ-normalisation or of logit
    /// adjustment) with the validation score of every candidate; null when nothing was chosen.</summary>
    [JsonPropertyName("tuned")] public TunedValue? Tuned { get; init; }

    /// <summary>The precision the model was run in ("fp32" or "bf16": training and this evaluation), and why
    /// (e.g. "bf16: CPU has avx512_bf16"); null when not recorded.</summary>
    [JsonPropertyName("precision")] public string? Precision { get; init; }
    [JsonPropertyName("precision_reason")] public string? PrecisionReason { get; init; }

    /// <summary>Which training images the class counts (prior, shot groups) were taken from, e.g. after
    /// a validation split was held out; null when not recorded.</summary>
    [JsonPropertyName("counts_note")] public string? CountsNote { get; init; }

    /// <summary>What shaped these logits beyond the weights, one sentence each: IIF's per-class multipliers
    /// (folded into the saved head), Difficulty-Net's final class weights; null when nothing.</summary>
    [JsonPropertyName("notes")] public IReadOnlyList<string>? Notes { get; init; }

    /// <summary>The test-agnostic table: metrics on test splits re-sampled from the balanced test set
    /// (<see cref="TestAgnosticSplits"/>); null when not asked for.</summary>
    [JsonPropertyName("test_distributions")] public IReadOnlyList<TestDistributionMetrics>? TestDistributions { get; init; }
    /// <summary>Seed of the per-class selection behind <see cref="TestDistributions"/>.</summary>
    [JsonPropertyName("test_split_seed")] public int? TestSplitSeed { get; init; }

    /// <summary>The shot-group boundaries this report was computed with.</summary>
    [JsonIgnore] public ShotThresholds Thresholds => new(ManyThreshold, FewThreshold);

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        // A diverged model gives NaN; the report must still be written and read back.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectNullableAnnotations = true,
    };

    /// <summary>A report of <paramref name="r"/> for a run described by the other arguments.</summary>
    public static RunReport From(EvaluationResult r, string loss, string model, string dataset, int epochs, double seconds,
        string stage = "bft", double? imbalance = null, int? seed = null, double? imagesPerSecond = null, string? testPrior = null) =>
        new()
        {
            Top1 = r.Top1,
            Top5 = r.Top5,
            Many = r.Many,
            Medium = r.Medium,
            Few = r.Few,
            Ece = r.Ece,
            Nll = r.Nll,
            PerClass = r.PerClass.Select(a => double.IsNaN(a) ? (double?)null : a).ToArray(),
            ClassCounts = r.ClassCounts.ToArray(),
            TestCounts = r.TestCounts.ToArray(),
            ClassNames = r.ClassNames.ToArray(),
            ManyThreshold = r.Thresholds.Many,
            FewThreshold = r.Thresholds.Few,
            Loss = loss,
            Model = model,
            Dataset = dataset,
            Epochs = epochs,
            Seconds = seconds,
            Stage = stage,
            Imbalance = imbalance,
            Seed = seed,
            ImagesPerSecond = imagesPerSecond,
            TestPrior = testPrior,
        };

    /// <summary>The report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Writes the report as JSON, atomically.</summary>
    public void WriteJson(string path) => AtomicFile.WriteText(path, ToJson() + "\n");

    /// <summary>Reads a report written by <see cref="WriteJson"/>.</summary>
    /// <exception cref="LivtException">The file is missing, is not valid JSON, or lacks a required key.</exception>
    public static RunReport ReadJson(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LivtException($"{path}: cannot read the report: {e.Message}", e);
        }
        RunReport? report;
        try
        {
            report = JsonSerializer.Deserialize<RunReport>(text, Options);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"{path}:{line + 1}" : path;
            throw new LivtException($"{where}: not a valid report: {e.Message}", e);
        }
        if (report is null) throw new LivtException($"{path}: the report is empty (null).");
        var c = report.ClassCounts.Length;
        if (report.PerClass.Length != c || report.TestCounts.Length != c || report.ClassNames.Length != c)
            throw new LivtException(
                $"{path}: per_class, class_counts, test_counts and class_names must have one entry per class " +
                $"(got {report.PerClass.Length}, {c}, {report.TestCounts.Length}, {report.ClassNames.Length}).");
        return report;
    }

    /// <summary>Writes <c>report.md</c>: a headline table and a per-class table, atomically.</summary>
    public void WriteMarkdown(string path) => AtomicFile.WriteText(path, RunReportMarkdown.Render(this));
}
