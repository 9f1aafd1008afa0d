using System.Reflection;
using System.Text.Json;

namespace Livt.Configuration;

/// <summary>One setting of <see cref="TrainConfig"/>: its property, recipe key, flag and help.</summary>
public sealed record Setting(PropertyInfo Property, string Key, string Flag, SettingAttribute Info)
{
    /// <summary>Every setting, in declaration order (the order of docs/CLI.md's flag table and of <c>--help</c>).</summary>
    public static IReadOnlyList<Setting> All { get; } = typeof(TrainConfig)
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
