using System.Text.Json;
using System.Text.Json.Serialization;

namespace Livt.Configuration;

/// <summary>
/// Reads and writes enum settings as the words users type (<c>class-balanced</c>, <c>exp</c>), so every
/// string setting with a closed set of values is parsed once, where it enters, into its enum. A member
/// that repeats an earlier member's value is an older spelling of it: read, never written or listed.
/// </summary>
public sealed class KebabEnumConverter : JsonConverterFactory
{
    /// <summary>The words of <paramref name="enumType"/>'s values, in declaration order, without the
    /// older spellings.</summary>
    public static IReadOnlyList<string> Names(Type enumType) => Members(enumType).Where(m => m.Primary).Select(m => m.Word).ToArray();

    /// <summary>The value <paramref name="text"/> names (any case, <c>_</c> for <c>-</c>, older spellings
    /// too), or null.</summary>
    public static T? Parse<T>(string? text) where T : struct, Enum
    {
        string? word = text?.Trim().Replace('_', '-');
        foreach (var m in Members(typeof(T)))
            if (string.Equals(m.Word, word, StringComparison.OrdinalIgnoreCase))
                return (T)m.Value;
        return null;
    }

    /// <summary>The word written for <paramref name="value"/>: its first member's.</summary>
    public static string Name<T>(T value) where T : struct, Enum =>
        Members(typeof(T)).First(m => m.Primary && m.Value.Equals(value)).Word;

    private static IEnumerable<(string Word, object Value, bool Primary)> Members(Type enumType)
    {
        var seen = new HashSet<object>();
        foreach (var field in enumType.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static).OrderBy(f => f.MetadataToken))
        {
            var value = field.GetValue(null)!;
            yield return (JsonNamingPolicy.KebabCaseLower.ConvertName(field.Name), value, seen.Add(value));
        }
    }

    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<T> : JsonConverter<T> where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            return Parse<T>(text)
                ?? throw new JsonException($"'{text ?? reader.TokenType.ToString()}' is not one of {string.Join(", ", Names(typeof(T)))}");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Name(value));
    }
}
