using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Livt.Data;
using Livt.Interop;

namespace Livt.Evaluation;

/// <summary>
/// What <c>report.json</c> holds (snake_case keys; accuracies in percent; <c>many</c>/<c>medium</c>/
/// <c>few</c> null when the group is empty) and how <c>report.md</c> renders it for people.
/// </summary>
public sealed record RunReport
{
    public double Top1 { get; init; }
    public double Top5 { get; init; }
    public double? Many { get; init; }
    public double? Medium { get; init; }
    public double? Few { get; init; }
    public double Ece { get; init; }
    public double Nll { get; init; }
    /// <summary>Per-class accuracy in percent; null for a class absent from the test set.</summary>
    public double?[] PerClass { get; init; } = [];
    public long[] ClassCounts { get; init; } = [];
    public long[] TestCounts { get; init; } = [];
    public string[] ClassNames { get; init; } = [];
    public string Loss { get; init; } = "";
    public string Model { get; init; } = "";
    public string Dataset { get; init; } = "";
    public int Epochs { get; init; }
    public double Seconds { get; init; }
    public string Stage { get; init; } = "";
    public double Imbalance { get; init; }
    public int Seed { get; init; }
    public double? ImagesPerSecond { get; init; }
    /// <summary>The post-hoc test prior applied (uniform, train or a file), or null for raw logits.</summary>
    public string? TestPrior { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A report of <paramref name="r"/> for a run of <paramref name="epochs"/> epochs.</summary>
    public static RunReport From(EvaluationResult r, string loss, string model, string dataset, int epochs, double seconds) => new()
    {
        Top1 = r.Top1, Top5 = r.Top5, Many = r.Many, Medium = r.Medium, Few = r.Few, Ece = r.Ece, Nll = r.Nll,
        PerClass = r.PerClass.Select(a => double.IsFinite(a) ? a : (double?)null).ToArray(),
        ClassCounts = r.ClassCounts, TestCounts = r.TestCounts, ClassNames = r.ClassNames.ToArray(),
        Loss = loss, Model = model, Dataset = dataset, Epochs = epochs, Seconds = seconds,
    };

    /// <summary>Writes report.json atomically.</summary>
    public void WriteJson(string path) => AtomicFile.WriteText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Reads a report.json.</summary>
    public static RunReport ReadJson(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunReport>(File.ReadAllText(path), Json) ?? throw new LivtException($"{path}: empty report");
        }
        catch (JsonException e)
        {
            throw new LivtException($"{path}: not a Livt report: {e.Message}");
        }
    }

    /// <summary>Writes report.md: the headline table, then one row per class with its training count
    /// and shot group.</summary>
    public void WriteMarkdown(string path, ShotThresholds? thresholds = null)
    {
        thresholds ??= ShotThresholds.Default;
        static string P(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "—";
        var sb = new StringBuilder();
        sb.AppendLine($"# {Dataset}: {Stage} report").AppendLine();
        sb.AppendLine($"Model `{Model}`, loss `{Loss}`, {Epochs} epochs, seed {Seed}, imbalance factor {Imbalance.ToString(CultureInfo.InvariantCulture)}, " +
                      $"{Seconds.ToString("F0", CultureInfo.InvariantCulture)} s{(TestPrior is null ? "" : $", post-hoc test prior `{TestPrior}`")}.").AppendLine();
        sb.AppendLine("| top-1 % | top-5 % | many % | medium % | few % | ECE % | NLL |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine($"| {P(Top1)} | {P(Top5)} | {P(Many)} | {P(Medium)} | {P(Few)} | {P(Ece)} | {Nll.ToString("F4", CultureInfo.InvariantCulture)} |").AppendLine();
        sb.AppendLine($"Shot groups by training images: many > {thresholds.Many}, few < {thresholds.Few}, medium otherwise; a dash is an empty group.").AppendLine();
        sb.AppendLine("| class | name | train images | group | test images | accuracy % |");
        sb.AppendLine("|---:|---|---:|---|---:|---:|");
        for (int c = 0; c < PerClass.Length; c++)
            sb.AppendLine($"| {c} | {(c < ClassNames.Length ? ClassNames[c] : "")} | {ClassCounts[c]} | {thresholds.Of(ClassCounts[c])} | {TestCounts[c]} | {P(PerClass[c])} |");
        AtomicFile.WriteText(path, sb.ToString());
    }
}
