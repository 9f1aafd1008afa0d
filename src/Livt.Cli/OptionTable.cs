using System.CommandLine;
using System.Globalization;
using System.Text;

namespace Livt.Cli;

/// <summary>docs/CLI.md's table of a command's arguments and options, rendered from the command itself
/// (a test keeps the document equal to it).</summary>
internal static class OptionTable
{
    /// <summary>The Markdown table: flag (with its other names), default, meaning.</summary>
    public static string Markdown(Command command)
    {
        var md = new StringBuilder();
        md.AppendLine("| argument or flag | default | meaning |");
        md.AppendLine("|---|---|---|");
        foreach (var argument in command.Arguments)
            md.AppendLine($"| `{argument.Name.ToUpperInvariant()}` | | {Escape(argument.Description)} |");
        foreach (var option in command.Options.Where(o => !o.Hidden))
        {
            string names = string.Join(", ", option.Aliases.Prepend(option.Name).Select(n => $"`{n}`"));
            string value = option.Required ? "(required)" : option.HasDefaultValue ? Format(option.GetDefaultValue()) : "";
            md.AppendLine($"| {names} | {value} | {Escape(option.Description)} |");
        }
        return md.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        bool b => b ? "on" : "off",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Escape(value.ToString()),
    };

    private static string Escape(string? text) => (text ?? "").Replace("|", "\\|");
}
