using System.Globalization;
using Livt.Data;
using ScottPlot;

namespace Livt.Evaluation;

/// <summary>
/// The figures of a run, as PNG files drawn with ScottPlot. Each method writes one image of
/// <c>width</c> × <c>height</c> pixels (creating the folder) and returns the path written.
/// </summary>
public static class Plots
{
    private const int DefaultWidth = 800;
    private const int DefaultHeight = 600;
    // Class names as axis ticks only while they can still be read.
    private const int MaxNamedTicks = 30;

    private static readonly Color ManyColor = Color.FromHex("#1f77b4");
    private static readonly Color MediumColor = Color.FromHex("#ff7f0e");
    private static readonly Color FewColor = Color.FromHex("#d62728");

    /// <summary>Per-class accuracy against the class's training count (log x), coloured by shot
    /// group, with the group boundaries drawn. Classes without test images are left out.</summary>
    public static string PerClassAccuracy(EvaluationResult r, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        var plot = new Plot();
        var groups = r.Groups;
        foreach (var (group, color) in GroupColors())
        {
            var members = Enumerable.Range(0, r.NumClasses)
                .Where(c => groups[c] == group && r.TestCounts[c] > 0 && r.ClassCounts[c] > 0).ToArray();
            if (members.Length == 0) continue;
            var points = plot.Add.ScatterPoints(
                members.Select(c => Math.Log10(r.ClassCounts[c])).ToArray(),
                members.Select(c => r.PerClass[c]).ToArray(), color);
            points.MarkerSize = 7;
            var mean = group switch { ShotGroup.Many => r.Many, ShotGroup.Medium => r.Medium, _ => r.Few };
            points.LegendText = Invariant($"{group} ({members.Length} classes, mean {mean:F1}%)");
        }
        foreach (var boundary in new[] { r.Thresholds.Many + 0.5, r.Thresholds.Few - 0.5 })
        {
            var line = plot.Add.VerticalLine(Math.Log10(boundary));
            line.LineColor = Colors.Gray;
            line.LinePattern = LinePattern.Dashed;
        }
        plot.Axes.Bottom.TickGenerator = LogTicks();
        plot.Axes.SetLimitsY(-2, 102);
        plot.Title(Invariant($"Per-class accuracy (top-1 {r.Top1:F2}%)"));
        plot.XLabel("Training images (log scale)");
        plot.YLabel("Test accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        return Save(plot, path, width, height);
    }

    /// <summary>Reliability diagram: accuracy of each confidence bin (bars) against the diagonal of
    /// perfect calibration, with the ECE in the title. Empty bins have no bar.</summary>
    public static string Reliability(EvaluationResult r, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        var plot = new Plot();
        var bins = r.ReliabilityCount.Length;
        var binWidth = 1.0 / bins;
        var bars = Enumerable.Range(0, bins).Where(b => r.ReliabilityCount[b] > 0).Select(b => new Bar
        {
            Position = (b + 0.5) * binWidth,
            Value = r.ReliabilityAccuracy[b],
            Size = binWidth * 0.95,
            FillColor = ManyColor,
        }).ToList();
        plot.Add.Bars(bars);
        var gap = plot.Add.ScatterPoints(
            Enumerable.Range(0, bins).Where(b => r.ReliabilityCount[b] > 0).Select(b => r.ReliabilityConfidence[b]).ToArray(),
            Enumerable.Range(0, bins).Where(b => r.ReliabilityCount[b] > 0).Select(b => r.ReliabilityAccuracy[b]).ToArray(),
            FewColor);
        gap.LegendText = "bin (mean confidence, accuracy)";
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LineColor = Colors.Gray;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "perfect calibration";
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title(Invariant($"Reliability (ECE {r.Ece:F2}%, {bins} bins)"));
        plot.XLabel("Confidence (max softmax probability)");
        plot.YLabel("Accuracy");
        plot.ShowLegend(Alignment.UpperLeft);
        return Save(plot, path, width, height);
    }

    /// <summary>Confusion matrix as a heatmap, each row (true class) normalised to sum 1; true classes
    /// top to bottom, predictions left to right. Rows of classes without test images are zero.</summary>
    public static string Confusion(EvaluationResult r, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        var c = r.NumClasses;
        var normalised = new double[c, c];
        for (var t = 0; t < c; t++)
            for (var p = 0; p < c; p++)
                normalised[t, p] = r.TestCounts[t] == 0 ? 0 : (double)r.Confusion[t, p] / r.TestCounts[t];
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(normalised);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(heatmap);
        if (c <= MaxNamedTicks)
        {
            // Heatmap cell i is centred on coordinate i; row 0 is drawn at the top (y = c − 1).
            var names = r.ClassNames.ToArray();
            NameBottomTicks(plot, names);
            plot.Axes.Left.SetTicks(Enumerable.Range(0, c).Select(i => (double)(c - 1 - i)).ToArray(), names);
        }
        plot.Axes.SetLimits(-0.5, c - 0.5, -0.5, c - 0.5);
        plot.Title(Invariant($"Confusion matrix, row-normalised (top-1 {r.Top1:F2}%)"));
        plot.XLabel("Predicted class");
        plot.YLabel("True class");
        return Save(plot, path, width, height);
    }

    /// <summary>Training curves: one panel per quantity present (loss, learning rate, top-1), one
    /// line per stage, against the epoch.</summary>
    public static string TrainingCurves(IReadOnlyList<CurvePoint> points, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        var quantities = new (string Label, Func<CurvePoint, double?> Value)[]
        {
            ("Loss", p => p.Loss), ("Learning rate", p => p.Lr), ("Top-1 (%)", p => p.Top1),
        }.Where(q => points.Any(p => q.Value(p) is not null)).ToArray();
        if (quantities.Length == 0)
            throw new ArgumentException("no curve point has a loss, learning rate or top-1", nameof(points));

        var multiplot = new Multiplot();
        multiplot.AddPlots(quantities.Length);
        var stages = points.Select(p => p.Stage).Distinct().ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        for (var q = 0; q < quantities.Length; q++)
        {
            var plot = multiplot.GetPlot(q);
            for (var s = 0; s < stages.Length; s++)
            {
                var series = points.Where(p => p.Stage == stages[s] && quantities[q].Value(p) is not null)
                    .OrderBy(p => p.Epoch).ToArray();
                if (series.Length == 0) continue;
                var line = plot.Add.ScatterLine(series.Select(p => p.Epoch).ToArray(),
                    series.Select(p => quantities[q].Value(p)!.Value).ToArray(), palette.GetColor(s));
                line.LegendText = stages[s];
                line.LineWidth = 2;
            }
            plot.YLabel(quantities[q].Label);
            plot.XLabel("Epoch");
            if (stages.Length > 1) plot.ShowLegend(Alignment.UpperRight);
        }
        // One epoch scale for every panel, so that the quantities line up.
        var (first, last) = (points.Min(p => p.Epoch), points.Max(p => p.Epoch));
        if (last > first)
            for (var q = 0; q < quantities.Length; q++) multiplot.GetPlot(q).Axes.SetLimitsX(first, last);
        multiplot.GetPlot(0).Title("Training curves");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        multiplot.SavePng(path, width, height);
        return path;
    }

    /// <summary>Training images per class as bars on a log scale, coloured by shot group
    /// (<see cref="ShotThresholds.Default"/>).</summary>
    public static string ClassHistogram(IReadOnlyList<long> counts, IReadOnlyList<string> names, string path,
        int width = DefaultWidth, int height = DefaultHeight)
    {
        if (names.Count != counts.Count)
            throw new ArgumentException($"{names.Count} names for {counts.Count} classes", nameof(names));
        var plot = new Plot();
        var groups = ShotThresholds.Default.Assign(counts);
        var colors = GroupColors().ToDictionary(g => g.Group, g => g.Color);
        // Bars start below 10^0 so that a class with one image still shows.
        const double floor = -0.3;
        var bars = counts.Select((n, c) => new Bar
        {
            Position = c,
            ValueBase = floor,
            Value = n > 0 ? Math.Log10(n) : floor,
            Size = 0.8,
            FillColor = colors[groups[c]],
            LineWidth = 0,
        }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Left.TickGenerator = LogTicks();
        if (counts.Count <= MaxNamedTicks)
        {
            NameBottomTicks(plot, names.ToArray());
        }
        var top = counts.Count == 0 ? 1 : Math.Log10(Math.Max(1, counts.Max()));
        plot.Axes.SetLimits(-1, counts.Count, floor, top + 0.2);
        plot.Legend.ManualItems.AddRange(GroupColors().Where(g => groups.Contains(g.Group)).Select(g => new LegendItem { LabelText = g.Group.ToString(),
            FillColor = g.Color }));
        plot.ShowLegend(Alignment.UpperRight);
        var imbalance = counts.Count > 0 && counts.Min() > 0 ? Invariant($", imbalance factor {(double)counts.Max() / counts.Min():G4}") : "";
        plot.Title(Invariant($"Training images per class ({counts.Sum()} images, {counts.Count} classes{imbalance})"));
        plot.XLabel("Class");
        plot.YLabel("Training images (log scale)");
        return Save(plot, path, width, height);
    }

    /// <summary>Class names under the x positions 0..n−1, slanted; the axis is made tall enough
    /// for the longest name, which ScottPlot does not measure for rotated labels.</summary>
    private static void NameBottomTicks(Plot plot, string[] names)
    {
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, names.Length).Select(i => (double)i).ToArray(), names);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        var longest = names.Length == 0 ? 0 : names.Max(n => n.Length);
        // ~7 px per character at the default tick font, times sin 45°, plus room for the axis title.
        plot.Axes.Bottom.MinimumSize = 40 + (float)(longest * 7 * Math.Sqrt(0.5));
    }

    private static IEnumerable<(ShotGroup Group, Color Color)> GroupColors() =>
        new[] { (ShotGroup.Many, ManyColor), (ShotGroup.Medium, MediumColor), (ShotGroup.Few, FewColor) };

    /// <summary>Ticks for an axis whose coordinates are log10 of the values: labels 10^x at integer x,
    /// minor ticks at 2..9 × 10^x.</summary>
    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = x => Math.Pow(10, x).ToString("N0", CultureInfo.InvariantCulture),
    };

    private static string Save(Plot plot, string path, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, width, height);
        return path;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
