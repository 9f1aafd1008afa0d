using System.CommandLine;
using System.CommandLine.Invocation;
using Livt.Configuration;

namespace Livt.Cli;

/// <summary>
/// Reads the command line the way users of the official LiVT/MAE scripts and timm expect: their
/// spellings become livt's (<see cref="OfficialFlags"/>; <c>--batch_size</c> is <c>--batch-size</c>), a
/// flag given twice keeps its last value (as argparse does), and a mistake is one line naming it, not
/// the whole help.
/// </summary>
internal static class Arguments
{
    /// <summary>The parse of the command line; <paramref name="Error"/> (one line) when it cannot run.</summary>
    public sealed record Parsed(ParseResult Result, string CommandPath, string? Error);

    /// <summary>Parses <paramref name="args"/> for <paramref name="root"/>'s commands.</summary>
    public static Parsed Parse(Command root, IReadOnlyList<string> args)
    {
        var first = root.Parse(args);
        var command = first.CommandResult.Command;
        string path = CommandPath(command);
        var options = OptionsByName(command);
        var (respelt, refused) = Respell(args, options);
        if (refused is not null) return new Parsed(first, path, refused);
        var result = root.Parse(LastOccurrences(respelt, options));
        return result.Errors.Count > 0 && result.Action is ParseErrorAction
            ? new Parsed(result, path, Describe(result, options))
            : new Parsed(result, path, null);
    }

    /// <summary>Official spellings as livt's: a listed flag as its row says, a snake_case flag as the
    /// kebab-case one; a refused flag (or a value livt does not implement) is the error returned.</summary>
    internal static (List<string> Args, string? Error) Respell(IReadOnlyList<string> args, IReadOnlyDictionary<string, Option> options)
    {
        var result = new List<string>(args.Count);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                result.AddRange(args.Skip(i));
                break;
            }
            var (name, inline) = Split(arg);
            if (!name.StartsWith('-') || options.ContainsKey(name))
            {
                result.Add(arg);
                continue;
            }
            string Joined(string flag) => inline is null ? flag : $"{flag}={inline}";
            if (OfficialFlags.Find(name) is not { } row)
            {
                result.Add(options.ContainsKey(OfficialFlags.Dashed(name)) ? Joined(OfficialFlags.Dashed(name)) : arg);
                continue;
            }
            if (row.Livt is null) return (result, $"{name} ({row.Origin}): {row.Note}");
            if (row.OnlyValue is { } only)
            {
                string? value = inline ?? (i + 1 < args.Count ? args[++i] : null);
                if (!string.Equals(value, only, StringComparison.OrdinalIgnoreCase))
                    return (result, $"{name} {value}: {row.Note} ({name} {only})");
                continue;
            }
            if (row.Livt.Length == 0) continue;
            var tokens = row.Livt.Split(' ');
            if (!options.ContainsKey(tokens[0])) result.Add(arg);
            else if (tokens.Length == 1) result.Add(Joined(tokens[0]));
            else result.AddRange(tokens);
        }
        return (result, null);
    }

    /// <summary>Drops every occurrence of a flag but the last, with its values.</summary>
    internal static List<string> LastOccurrences(IReadOnlyList<string> args, IReadOnlyDictionary<string, Option> options)
    {
        var spans = new List<(Option Option, int Start, int Length)>();
        for (int i = 0; i < args.Count && args[i] != "--"; i++)
        {
            var (name, inline) = Split(args[i]);
            if (!options.TryGetValue(name, out var option)) continue;
            int length = 1;
            if (inline is null)
            {
                var arity = option.Arity;
                bool IsValue(int j) => j < args.Count && args[j] != "--" && !options.ContainsKey(Split(args[j]).Name);
                if (arity is { MinimumNumberOfValues: 0, MaximumNumberOfValues: 1 })
                    length += IsValue(i + 1) && bool.TryParse(args[i + 1], out _) ? 1 : 0;
                else if (option.AllowMultipleArgumentsPerToken)
                    while (length <= arity.MaximumNumberOfValues && IsValue(i + length)) length++;
                else if (arity.MaximumNumberOfValues > 0 && i + 1 < args.Count)
                    length++;
            }
            spans.Add((option, i, length));
            i += length - 1;
        }
        var dropped = spans.GroupBy(s => s.Option).SelectMany(g => g.SkipLast(1))
            .SelectMany(s => Enumerable.Range(s.Start, s.Length)).ToHashSet();
        return args.Where((_, i) => !dropped.Contains(i)).ToList();
    }

    /// <summary>Every name and alias of the options <paramref name="command"/> takes, its ancestors'
    /// recursive ones (--help) included.</summary>
    internal static IReadOnlyDictionary<string, Option> OptionsByName(Command command)
    {
        var options = new Dictionary<string, Option>(StringComparer.Ordinal);
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            foreach (var option in c.Options)
                if (ReferenceEquals(c, command) || option.Recursive)
                    foreach (var name in option.Aliases.Prepend(option.Name))
                        options.TryAdd(name, option);
        return options;
    }

    private static (string Name, string? Inline) Split(string arg)
    {
        int eq = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=') : -1;
        return eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c?.Parents.OfType<Command>().FirstOrDefault() is { } parent; c = parent) names.Insert(0, c.Name);
        return string.Join(' ', names.Prepend("livt"));
    }

    /// <summary>The parse errors in one line, with the nearest flag for a mistyped one.</summary>
    private static string Describe(ParseResult result, IReadOnlyDictionary<string, Option> options)
    {
        var unknown = result.UnmatchedTokens.FirstOrDefault(t => t.StartsWith('-'));
        // After an unknown flag, its value is unmatched too: one error is enough.
        var values = unknown is null ? [] : result.UnmatchedTokens.Where(t => !t.StartsWith('-')).Select(t => $"'{t}'").ToList();
        string message = string.Join(" ", result.Errors.Select(e => e.Message).Where(m => !values.Any(m.Contains)).Distinct());
        if (unknown is null) return message;
        var nearest = options.Keys.Where(k => k.StartsWith("--", StringComparison.Ordinal))
            .Select(k => (Name: k, Distance: EditDistance(unknown, k))).MinBy(k => k.Distance);
        return nearest.Name is not null && nearest.Distance <= Math.Max(1, unknown.Length / 4)
            ? $"{message} Did you mean {nearest.Name}?"
            : message;
    }

    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
