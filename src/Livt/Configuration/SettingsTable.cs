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
            md.AppendLine($"| `{s.Flag}` | `{s.Key}` | {s.TypeName} | {s.Info.Description.Replace("|", "\\|")}{(s.Info.FinetuneOnly ? " (finetune)" : "")} |");
        }
        return md.ToString();
    }
}
