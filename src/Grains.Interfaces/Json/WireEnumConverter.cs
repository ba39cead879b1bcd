using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.AgentChannel.Json;

/// <summary>
/// Enums as their snake_case wire names ("in_progress"), read exactly as written: System.Text.Json's string enum
/// converter also takes other spellings ("OFFLINE", "InProgress") and comma-separated lists of names, which the API
/// documents as errors. A value that is not a wire name fails to bind like any value of the wrong type.
/// </summary>
public sealed class WireEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(WireEnumConverter<>).MakeGenericType(typeToConvert))!;
}

internal sealed class WireEnumConverter<T> : JsonConverter<T> where T : struct, Enum
{
    private static readonly Dictionary<T, JsonEncodedText> Names =
        Enum.GetValues<T>().ToDictionary(value => value, value => JsonEncodedText.Encode(AgentChannelJson.WireName(value)));

    private static readonly Dictionary<string, T> Values =
        Enum.GetValues<T>().ToDictionary(value => AgentChannelJson.WireName(value), StringComparer.Ordinal);

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? Parse(reader.GetString()) : throw new JsonException();

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Names[value]);

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Parse(reader.GetString());

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WritePropertyName(Names[value]);

    private static T Parse(string? name) =>
        name is not null && Values.TryGetValue(name, out var value) ? value : throw new JsonException();
}
