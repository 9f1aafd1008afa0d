using System.Text.Json;
using System.Text.Json.Serialization;

namespace Livt.Configuration;

/// <summary>
/// Reads and writes enum settings as the words users type (<c>class-aware</c>, <c>exp</c>), so every
/// string setting with a closed set of values is parsed once, where it enters, into its enum.
/// </summary>
public sealed class KebabEnumConverter : JsonConverterFactory
{
    /// <summary>The words of <paramref name="enumType"/>'s values, in declaration order.</summary>
    public static IReadOnlyList<string> Names(Type enumType) =>
        Enum.GetNames(enumType).Select(n => JsonNamingPolicy.KebabCaseLower.ConvertName(n)).ToArray();

    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<T> : JsonConverter<T> where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            var names = Names(typeof(T));
            var values = Enum.GetValues<T>();
            for (int i = 0; i < names.Count; i++)
                if (string.Equals(names[i], text?.Trim().Replace('_', '-'), StringComparison.OrdinalIgnoreCase))
                    return values[i];
            throw new JsonException($"'{text ?? reader.TokenType.ToString()}' is not one of {string.Join(", ", names)}");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString()));
    }
}
