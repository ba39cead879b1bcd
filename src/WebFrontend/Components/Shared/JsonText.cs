using System.Text.Encodings.Web;
using System.Text.Json;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>JSON values as people read them: indented, non-ASCII kept as written.</summary>
public static class JsonText
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Pretty(RawJson value) => Pretty(value.Text ?? "null");

    public static string Pretty(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            document.WriteTo(writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
