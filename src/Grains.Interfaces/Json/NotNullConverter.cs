using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.AgentChannel.Json;

/// <summary>
/// For an optional field whose documented type has no null (a number): it may be left out, but a JSON null fails
/// to bind like any value of the wrong type, instead of reading as "left out" and taking the default.
/// </summary>
public sealed class NotNullConverter<T> : JsonConverter<T?> where T : struct
{
    public override bool HandleNull => true;

    // T's own converter, called in place (not through JsonSerializer), so a failure still names this field's path.
    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? throw new JsonException() : Converter(options).Read(ref reader, typeof(T), options);

    public override void Write(Utf8JsonWriter writer, T? value, JsonSerializerOptions options)
    {
        if (value is { } present)
        {
            Converter(options).Write(writer, present, options);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static JsonConverter<T> Converter(JsonSerializerOptions options) => (JsonConverter<T>)options.GetConverter(typeof(T));
}
