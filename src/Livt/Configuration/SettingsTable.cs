using System.Text;

namespace Livt.Configuration;

/// <summary>docs/CLI.md's training-flag table, rendered from the settings' single definition.</summary>
public static class SettingsTable
{
    /// <summary>The Markdown table: flag, recipe key, type, meaning — one row per setting.</summary>
    public static string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine("| flag | config key | type | meaning |");
        md.AppendLine("|---|---|---|---|");
        foreach (var s in Setting.All)
        {
            md.AppendLine($"| `{s.Flag}` | `{s.Key}` | {s.TypeName} | {s.Description.Replace("|", "\\|")}{(s.Info.FinetuneOnly ? " (finetune)" : "")} |");
        }
        return md.ToString();
    }

    /// <summary>docs/CLI.md's table of the registered long-tail methods: how each is chosen, what it is, and
    /// the flags that belong to it (refused with any other method).</summary>
    public static string Methods()
    {
        var md = new StringBuilder();
        md.AppendLine("| method | chosen by | what it is | its flags |");
        md.AppendLine("|---|---|---|---|");
        foreach (var m in Livt.Methods.LongTailMethods.All)
        {
            string chosen = m.SwitchKey is { } on ? $"`--{on.Replace('_', '-')}`" : $"`--loss {m.Name}`{string.Concat(m.Aliases.Select(a => $" (or `{a}`)"))}";
            var flags = Setting.All.Where(s => s.Owners.Contains(m)).Select(s => $"`{s.Flag}`");
            md.AppendLine($"| {m.Name} | {chosen} | {m.Summary.Replace("|", "\\|")} | {string.Join(", ", flags)} |");
        }
        return md.ToString();
    }
}
