using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.AgentChannel.Json;

/// <summary>
/// A JSON value kept as its text: metadata, requirements, results and memory values are whatever JSON the
/// agents send, so grains store and return them verbatim instead of binding them to a schema.
/// </summary>
[GenerateSerializer, Alias("raw-json")]
[JsonConverter(typeof(RawJsonConverter))]
public readonly record struct RawJson([property: Id(0)] string Text)
{
    public static RawJson Null => new("null");

    public static RawJson EmptyObject => new("{}");

    public bool IsNull => Text is null or "null";

    public JsonValueKind Kind
    {
        get
        {
            using var document = JsonDocument.Parse(Text);
            return document.RootElement.ValueKind;
        }
    }

    /// <summary>Size in UTF-8 bytes, the unit the size limits are stated in.</summary>
    public int ByteCount => System.Text.Encoding.UTF8.GetByteCount(Text);

    /// <summary>Parses and re-emits compactly; throws <see cref="JsonException"/> on invalid JSON.</summary>
    public static RawJson Parse(string text)
    {
        using var document = JsonDocument.Parse(text);
        return From(document.RootElement);
    }

    public static RawJson From(JsonElement element) => new(element.GetRawText());

    public static RawJson Serialize<T>(T value, JsonSerializerOptions? options = null) =>
        new(JsonSerializer.Serialize(value, options));

    public T? Deserialize<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(Text, options);

    public override string ToString() => Text;
}
