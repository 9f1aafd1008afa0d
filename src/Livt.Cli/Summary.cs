using Livt.Evaluation;
using Spectre.Console;

namespace Livt.Cli;

/// <summary>The table printed at the end of a run or an evaluation.</summary>
internal static class Summary
{
    public static void Print(string reportJson)
    {
        var r = RunReport.ReadJson(reportJson);
        static string Pct(double? v) => v is { } x ? $"{x:F2}" : "—";
        var table = new Table().Title($"{Markup.Escape(r.Dataset)} · {Markup.Escape(r.Loss)}")
            .AddColumns("top-1 %", "top-5 %", "many %", "medium %", "few %", "ECE %");
        table.AddRow(Pct(r.Top1), Pct(r.Top5), Pct(r.Many), Pct(r.Medium), Pct(r.Few), Pct(r.Ece));
        AnsiConsole.Write(table);
        if (r.TestDistributions is { Count: > 0 } splits)
        {
            bool aggregated = splits.Any(s => s.Aggregation is not null);
            var byTest = new Table().Title("test distributions").AddColumns("split", "images", "top-1 %", "many %", "medium %", "few %");
            if (aggregated) byTest.AddColumns("aggregated top-1 %", "expert weights");
            foreach (var s in splits)
            {
                var cells = new List<string> { s.Name, s.Images.ToString(System.Globalization.CultureInfo.InvariantCulture), Pct(s.Top1), Pct(s.Many),
                    Pct(s.Medium), Pct(s.Few) };
                if (aggregated)
                {
                    cells.Add(Pct(s.Aggregation?.Top1));
                    cells.Add(s.Aggregation is { } a
                        ? string.Join(" / ", a.Weights.Select(w => w.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))
                        : "—");
                }
                byTest.AddRow(cells.ToArray());
            }
            AnsiConsole.Write(byTest);
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(reportJson))!;
        AnsiConsole.MarkupLine($"Report: [blue]{Markup.Escape(reportJson)}[/] and [blue]{Markup.Escape(Path.Combine(dir, "report.md"))}[/] " +
            "(plots beside them)");
    }
}
