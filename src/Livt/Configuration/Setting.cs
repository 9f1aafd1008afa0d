using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Livt.Data;
using Livt.Methods;

namespace Livt.Configuration;

/// <summary>One setting of the run spec or of a command: its property (of <see cref="TrainConfig"/>, of a
/// method's options record, or of a command's options record), recipe key, flag and help.</summary>
public sealed partial record Setting(PropertyInfo Property, string Key, string Flag, SettingAttribute Info)
{
    /// <summary>Every setting, in declaration order (the order of docs/CLI.md's flag table and of
    /// <c>--help</c>): <see cref="TrainConfig"/>'s, then those of each registered method's options record.</summary>
    public static IReadOnlyList<Setting> All { get; } =
    [
        .. Of(typeof(TrainConfig)),
        .. LongTailMethods.All.Select(m => m.OptionsType).OfType<Type>().Distinct().SelectMany(Of),
    ];

    /// <summary>The settings <paramref name="type"/> declares.</summary>
    public static IReadOnlyList<Setting> Of(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<SettingAttribute>() is not null)
        .OrderBy(p => p.MetadataToken)
        .Select(p =>
        {
            var info = p.GetCustomAttribute<SettingAttribute>()!;
            string key = JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name);
            return new Setting(p, key, info.Flag ?? "--" + key.Replace('_', '-'), info);
        })
        .ToArray();

    /// <summary>The setting with recipe key <paramref name="key"/>, or null.</summary>
    public static Setting? ByKey(string key) => All.FirstOrDefault(s => s.Key == key);

    /// <summary>The methods this setting belongs to: the method whose options record declares it, or the
    /// methods that list its key (<see cref="LongTailMethod.Settings"/>); empty for a setting of every run.</summary>
    public IReadOnlyList<LongTailMethod> Owners { get; } = LongTailMethods.All
        .Where(m => m.OptionsType == Property.DeclaringType || m.Settings.Contains(Key)).ToArray();

    /// <summary>The help text, with the registered choices put in (<c>{losses}</c>, <c>{datasets}</c>, and
    /// <c>{Name}</c>: the declaring type's static property).</summary>
    public string Description => Placeholder().Replace(Info.Description
        .Replace("{losses}", LongTailMethods.LossChoices(), StringComparison.Ordinal)
        .Replace("{datasets}", string.Join(" / ", DatasetCatalog.Names), StringComparison.Ordinal),
        m => Property.DeclaringType!.GetProperty(m.Groups[1].Value, BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string
             ?? throw new InvalidOperationException($"{Property.DeclaringType.Name} has no static string property {m.Groups[1].Value}"));

    [GeneratedRegex(@"\{([A-Z]\w*)\}")]
    private static partial Regex Placeholder();

    /// <summary>The value type without nullability (int for int?).</summary>
    public Type ValueType => Nullable.GetUnderlyingType(Property.PropertyType) ?? Property.PropertyType;

    /// <summary>How the flag table names the type: string, int, double, bool, double list, or the
    /// enum's values.</summary>
    public string TypeName => ValueType switch
    {
        var t when t == typeof(string) => "string",
        var t when t == typeof(int) => "int",
        var t when t == typeof(double) => "double",
        var t when t == typeof(bool) => "bool",
        var t when t == typeof(double[]) => "double list",
        var t when t.IsEnum => string.Join(" / ", KebabEnumConverter.Names(t)),
        var t => t.Name,
    };
}
