using System.Globalization;
using System.Text;
using Livt.Data;

namespace Livt.Evaluation;

/// <summary>Renders a <see cref="RunReport"/> as Markdown for people to read.</summary>
internal static class RunReportMarkdown
{
    public static string Render(RunReport r)
    {
        var groups = r.Thresholds.Assign(r.ClassCounts);
        var md = new StringBuilder();
        md.AppendLine(Invariant($"# {r.Model} on {r.Dataset} ({r.Stage})"));
        md.AppendLine();
        var details = new List<string> { $"loss {r.Loss}", Invariant($"{r.Epochs} epochs"), Invariant($"{r.Seconds:F0} s") };
        if (r.Imbalance is { } imbalance) details.Add(Invariant($"imbalance factor {imbalance:G4}"));
        if (r.Seed is { } seed) details.Add(Invariant($"seed {seed}"));
        if (r.Processes is > 1 and var processes) details.Add(Invariant($"{processes} processes ({r.Backend})"));
        if (r.ImagesPerSecond is { } ips) details.Add(Invariant($"{ips:F1} images/s"));
        if (r.PrecisionReason is { } precision) details.Add(precision);
        details.Add(r.TestPrior is { } prior ? $"logits adjusted for test prior {prior}" : "raw logits");
        md.AppendLine(string.Join(" · ", details));
        md.AppendLine();
        if (r.Tuned is { } t)
        {
            int best = Array.IndexOf(t.Grid, t.Value);
            md.AppendLine(Invariant($"{t.Parameter} = {t.Value:G4}, chosen on validation ({t.Validation}) by balanced accuracy ") +
                Invariant($"{t.ValidationBalancedAccuracy[best]:F2} % among {t.Grid.Length} candidates ({t.Grid.Min():G4}–{t.Grid.Max():G4})."));
            md.AppendLine();
        }

        md.AppendLine("| Top-1 | Top-5 | Many | Medium | Few | ECE | NLL |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        md.AppendLine(Invariant(
            $"| {Pct(r.Top1)} | {Pct(r.Top5)} | {Pct(r.Many)} | {Pct(r.Medium)} | {Pct(r.Few)} | {Pct(r.Ece)} | {r.Nll:F3} |"));
        md.AppendLine();
        md.AppendLine(
            Invariant($"Accuracies and ECE in percent. Shot groups by training images: many > {r.ManyThreshold}, few < {r.FewThreshold}, medium ") +
            Invariant($"otherwise (classes per group: {Members(groups, ShotGroup.Many)} / {Members(groups, ShotGroup.Medium)} / ") +
            Invariant($"{Members(groups, ShotGroup.Few)}); a group mean averages the per-class accuracies of its classes that have test images, ") +
            "\"–\" when there are none.");
        if (r.CountsNote is { } note) md.AppendLine().AppendLine(char.ToUpperInvariant(note[0]) + note[1..] + ".");
        foreach (var line in r.Notes ?? []) md.AppendLine().AppendLine(line);
        md.AppendLine();

        if (r.TestDistributions is { Count: > 0 } splits) AppendTestDistributions(md, splits, r.TestSplitSeed);

        md.AppendLine("## Per class");
        md.AppendLine();
        md.AppendLine("| # | Class | Training images | Shot group | Test images | Accuracy |");
        md.AppendLine("|---:|---|---:|---|---:|---:|");
        for (var c = 0; c < r.ClassCounts.Length; c++)
            md.AppendLine(Invariant(
                $"| {c} | {Escape(r.ClassNames[c])} | {r.ClassCounts[c]} | {groups[c]} | {r.TestCounts[c]} | {Pct(r.PerClass[c])} |"));
        return md.ToString();
    }

    /// <summary>The test-agnostic splits' table (SADE's protocol) and what its columns mean.</summary>
    private static void AppendTestDistributions(StringBuilder md, IReadOnlyList<TestDistributionMetrics> splits, int? seed)
    {
        md.AppendLine("## Test distributions");
        md.AppendLine();
        bool aggregated = splits.Any(s => s.Aggregation is not null);
        md.AppendLine("| Split | Images | Top-1 | Many | Medium | Few |" +
            (aggregated ? " Top-1 aggregated | Many | Medium | Few | Expert weights |" : ""));
        md.AppendLine("|---|---:|---:|---:|---:|---:|" + (aggregated ? "---:|---:|---:|---:|---|" : ""));
        foreach (var s in splits)
            md.AppendLine(Invariant($"| {s.Name} | {s.Images} | {Pct(s.Top1)} | {Pct(s.Many)} | {Pct(s.Medium)} | {Pct(s.Few)} |") +
                (s.Aggregation is { } a
                    ? Invariant($" {Pct(a.Top1)} | {Pct(a.Many)} | {Pct(a.Medium)} | {Pct(a.Few)} | ") +
                      string.Join(" / ", a.Weights.Select(w => w.ToString("F2", System.Globalization.CultureInfo.InvariantCulture))) + " |"
                    : aggregated ? " – | – | – | – | – |" : ""));
        md.AppendLine();
        if (aggregated)
        {
            md.AppendLine("A multi-expert model: Top-1 to Few average its experts' logits; the aggregated columns weight the experts (forward / uniform " +
                "/ backward) with weights learned on the split's unlabeled images by SADE's test-time self-supervised aggregation.").AppendLine();
            AppendExperts(md, splits);
        }
        md.AppendLine(
            "Test-agnostic protocol (SADE): each split re-samples the balanced test set per class, ranked by training images, to a forward or backward " +
            Invariant($"long tail of the given imbalance factor (seed {seed ?? 0}); shot groups as above."));
        md.AppendLine();
    }

    /// <summary>Each expert alone on each split: with all the weight on one expert the stability objective is
    /// that expert's view agreement, so this table shows why the weights went where they did.</summary>
    private static void AppendExperts(StringBuilder md, IReadOnlyList<TestDistributionMetrics> splits)
    {
        if (!splits.Any(s => s.Aggregation?.Experts is { Length: > 0 })) return;
        md.AppendLine("| Split | Expert | Top-1 alone | Entropy (nats) | View agreement | Top class share |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        string[] names = ["forward", "uniform", "backward"];
        foreach (var s in splits)
        {
            var experts = s.Aggregation?.Experts ?? [];
            for (int e = 0; e < experts.Length; e++)
            {
                var x = experts[e];
                string name = experts.Length == names.Length ? names[e] : (e + 1).ToString(CultureInfo.InvariantCulture);
                md.AppendLine(Invariant($"| {s.Name} | {name} | {Pct(x.Top1)} | {x.Entropy:F3} | {x.ViewAgreement:F4} | {x.TopClassShare:F1} % |"));
            }
        }
        md.AppendLine().AppendLine("View agreement: the mean cosine similarity of an expert's softmax predictions of an image's two views, " +
            "the stability objective when all the weight is on that expert; top class share: the share of its predictions that go to its " +
            "most-predicted class.").AppendLine();
    }

    private static int Members(ShotGroup[] groups, ShotGroup group) => groups.Count(g => g == group);

    private static string Pct(double? value) => value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "–";

    private static string Escape(string name) => name.Replace("|", "\\|");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
