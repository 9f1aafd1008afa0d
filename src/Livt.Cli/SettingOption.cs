using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Livt.Configuration;

namespace Livt.Cli;

/// <summary>
/// One setting (<see cref="Setting"/>) as a command-line option, the one factory behind every generated flag
/// (<see cref="TrainingOptions"/>, <c>RecordOptions</c>): named, typed and described by the setting,
/// and read back as the setting's value.
/// </summary>
internal sealed class SettingOption
{
    /// <param name="setting">The setting.</param>
    /// <param name="shown">The default help shows; null, zero or false: none.</param>
    public SettingOption(Setting setting, object? shown = null)
    {
        Setting = setting;
        var info = setting.Info;
        if (shown is null || info.Required || shown is false || shown is 0 || shown is 0.0) shown = null;
        // A number with a null word is text until it is read (auto is not a number); its null default is the word.
        if (info.NullWord is { } word && !info.Required) shown = shown is null ? word : Convert.ToString(shown, CultureInfo.InvariantCulture);
        Option = info.NullWord is not null ? Make<string>(setting.Flag, shown) : setting.ValueType switch
        {
            var t when t == typeof(int) => Make<int>(setting.Flag, shown),
            var t when t == typeof(double) => Make<double>(setting.Flag, shown),
            var t when t == typeof(bool) => Make<bool>(setting.Flag, shown),
            var t when t == typeof(double[]) => new Option<double[]>(setting.Flag) { AllowMultipleArgumentsPerToken = true },
            var t when t == typeof(float[]) => new Option<float[]>(setting.Flag) { AllowMultipleArgumentsPerToken = true, CustomParser = FloatList },
            _ => Make<string>(setting.Flag, shown),
        };
        Option.Description = setting.Description;
        Option.Required = info.Required;
    }

    public Setting Setting { get; }

    public Option Option { get; }

    /// <summary>Whether the command line gives the flag (a default is not given).</summary>
    public bool Given(ParseResult parse) => parse.GetResult(Option) is { Implicit: false };

    /// <summary>The value the command line gives: null for the null word, a number with a null word read from its text.</summary>
    /// <exception cref="LivtException">A number with a null word is neither.</exception>
    public object? Value(ParseResult parse)
    {
        object? value = Option switch
        {
            Option<string> s => parse.GetValue(s),
            Option<int> i => parse.GetValue(i),
            Option<double> d => parse.GetValue(d),
            Option<bool> b => parse.GetValue(b),
            Option<double[]> a => parse.GetValue(a),
            Option<float[]> f => parse.GetValue(f),
            _ => throw new InvalidOperationException(Option.Name),
        };
        if (Setting.Info.NullWord is not { } word || value is not string text) return value;
        if (text.Equals(word, StringComparison.OrdinalIgnoreCase)) return null;
        if (Setting.ValueType != typeof(double)) return text;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new LivtException($"{Setting.Flag} {text}: expected a number or {word}");
    }

    private static Option<TValue> Make<TValue>(string flag, object? shown) =>
        shown is TValue value ? new Option<TValue>(flag) { DefaultValueFactory = _ => value } : new Option<TValue>(flag);

    // Numbers separated by spaces (one token each) or commas, as --mean 0.485 0.456 0.406 or --mean 0.485,0.456,0.406.
    private static float[] FloatList(ArgumentResult result)
    {
        var text = string.Join(",", result.Tokens.Select(t => t.Value));
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : float.NaN).ToArray();
        if (values.Any(float.IsNaN)) result.AddError($"'{text}': expected numbers, e.g. 0.485 0.456 0.406");
        return values;
    }
}
