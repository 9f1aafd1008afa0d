using Livt.Data;
using ScottPlot;

namespace Livt.Evaluation;

/// <summary>The PNG figures of a report (ScottPlot). Each method returns the path it wrote.</summary>
public static class Plots
{
    private const int Width = 900, Height = 600;

    private static readonly Dictionary<ShotGroup, Color> GroupColors = new()
    {
        [ShotGroup.Many] = Colors.SteelBlue, [ShotGroup.Medium] = Colors.DarkOrange, [ShotGroup.Few] = Colors.Crimson,
    };

    /// <summary>Per-class accuracy against training count (log x), one colour per shot group: the
    /// picture of how fair a model is to the tail.</summary>
    public static string PerClassAccuracy(EvaluationResult r, string path, ShotThresholds? thresholds = null)
    {
        thresholds ??= ShotThresholds.Default;
        var plot = new Plot();
        foreach (var group in Enum.GetValues<ShotGroup>())
        {
            var classes = Enumerable.Range(0, r.PerClass.Length)
                .Where(c => double.IsFinite(r.PerClass[c]) && r.ClassCounts[c] > 0 && thresholds.Of(r.ClassCounts[c]) == group).ToArray();
            if (classes.Length == 0) continue;
            var s = plot.Add.ScatterPoints(classes.Select(c => Math.Log10(r.ClassCounts[c])).ToArray(), classes.Select(c => r.PerClass[c]).ToArray());
            s.Color = GroupColors[group];
            s.MarkerSize = 9;
            s.LegendText = $"{group}-shot";
        }
        LogTicks(plot.Axes.Bottom, r.ClassCounts.Where(n => n > 0).Select(n => (double)n));
        plot.Axes.SetLimitsY(0, 105);
        plot.Title($"Per-class accuracy (top-1 {r.Top1:F1} %)");
        plot.XLabel("training images of the class (log scale)");
        plot.YLabel("test accuracy %");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>Reliability diagram: accuracy per confidence bin against the diagonal.</summary>
    public static string Reliability(EvaluationResult r, string path)
    {
        var plot = new Plot();
        int bins = r.ReliabilityCount.Length;
        var bars = new List<Bar>();
        for (int b = 0; b < bins; b++)
        {
            if (r.ReliabilityCount[b] == 0) continue;
            bars.Add(new Bar
            {
                Position = (b + 0.5) / bins, Value = r.ReliabilityAccuracy[b], Size = 1.0 / bins * 0.9,
                FillColor = Colors.SteelBlue.WithAlpha(0.8),
            });
        }
        plot.Add.Bars(bars);
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.Color = Colors.Gray;
        diagonal.LinePattern = LinePattern.Dashed;
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title($"Reliability (ECE {r.Ece:F2} %)");
        plot.XLabel("confidence (max softmax probability)");
        plot.YLabel("accuracy");
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>Row-normalised confusion matrix as a heatmap (rows: true class, columns: predicted).</summary>
    public static string Confusion(EvaluationResult r, string path)
    {
        int c = r.Confusion.GetLength(0);
        var intensities = new double[c, c];
        for (int i = 0; i < c; i++)
        {
            double row = 0;
            for (int j = 0; j < c; j++) row += r.Confusion[i, j];
            for (int j = 0; j < c; j++) intensities[i, j] = row > 0 ? r.Confusion[i, j] / row : double.NaN;
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        if (c <= 30)
        {
            var positions = Enumerable.Range(0, c).Select(i => (double)i).ToArray();
            var names = r.ClassNames.Count == c ? r.ClassNames.ToArray() : positions.Select(p => p.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            plot.Axes.Bottom.SetTicks(positions, names);
            plot.Axes.Left.SetTicks(positions.Select(p => c - 1 - p).ToArray(), names);
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        }
        plot.Title("Confusion (row-normalised)");
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.SavePng(path, Width, Width);
        return path;
    }

    /// <summary>Training loss per epoch for each stage, with the learning rate on a second axis and
    /// validation top-1 where it was measured.</summary>
    public static string TrainingCurves(IReadOnlyList<CurvePoint> points, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        var lrAxis = plot.Axes.Right;
        foreach (var stage in points.Select(p => p.Stage).Distinct())
        {
            var ps = points.Where(p => p.Stage == stage).OrderBy(p => p.Epoch).ToList();
            var withLoss = ps.Where(p => p.Loss is not null).ToList();
            if (withLoss.Count > 0)
            {
                var s = plot.Add.Scatter(withLoss.Select(p => p.Epoch).ToArray(), withLoss.Select(p => p.Loss!.Value).ToArray());
                s.Color = palette.GetColor(i++);
                s.LegendText = $"{stage} loss";
            }
            var withLr = ps.Where(p => p.Lr is not null).ToList();
            if (withLr.Count > 0)
            {
                var s = plot.Add.Scatter(withLr.Select(p => p.Epoch).ToArray(), withLr.Select(p => p.Lr!.Value).ToArray());
                s.Color = palette.GetColor(i++);
                s.LinePattern = LinePattern.Dotted;
                s.LegendText = $"{stage} lr (right axis)";
                s.Axes.YAxis = lrAxis;
            }
        }
        plot.Title("Training curves");
        plot.XLabel("epoch");
        plot.YLabel("training loss");
        lrAxis.Label.Text = "learning rate";
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>Training images per class as bars on a log scale.</summary>
    public static string ClassHistogram(IReadOnlyList<long> counts, IReadOnlyList<string> names, string path)
    {
        var plot = new Plot();
        var bars = counts.Select((n, c) => new Bar
        {
            Position = c, Value = n > 0 ? Math.Log10(n) : 0, FillColor = Colors.SteelBlue,
            Label = n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ToList();
        var plottable = plot.Add.Bars(bars);
        plottable.ValueLabelStyle.FontSize = 11;
        var positions = Enumerable.Range(0, counts.Count).Select(c => (double)c).ToArray();
        if (counts.Count <= 40)
        {
            plot.Axes.Bottom.SetTicks(positions, names.Count == counts.Count ? names.ToArray() : positions.Select(p => p.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        }
        LogTicks(plot.Axes.Left, counts.Where(n => n > 0).Select(n => (double)n));
        plot.Axes.SetLimitsY(0, Math.Log10(Math.Max(10, counts.DefaultIfEmpty(10).Max())) + 0.3);
        plot.Title($"Training images per class (imbalance factor {(double)counts.Max() / Math.Max(1, counts.Min()):F0})");
        plot.YLabel("images (log scale)");
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>Ticks at powers of ten over the range of <paramref name="values"/>, for an axis that
    /// shows log10 of the data.</summary>
    private static void LogTicks(ScottPlot.IAxis axis, IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count == 0) return;
        int lo = (int)Math.Floor(Math.Log10(list.Min())), hi = (int)Math.Ceiling(Math.Log10(list.Max()));
        var ticks = Enumerable.Range(lo, hi - lo + 1).Select(e => (double)e).ToArray();
        axis.SetTicks(ticks, ticks.Select(e => Math.Pow(10, e).ToString("G", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }
}
