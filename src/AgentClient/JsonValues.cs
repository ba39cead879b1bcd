using System.Text.Json;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Client;

/// <summary>The agent's own objects as the free-form JSON the cluster stores (metadata, requirements, results, memory values).</summary>
internal static class JsonValues
{
    /// <summary>Null stays null (the field is left out); RawJson and JsonElement pass as they are.</summary>
    public static RawJson? From(object? value, JsonSerializerOptions options) => value switch
    {
        null => null,
        RawJson raw => raw,
        JsonElement element => RawJson.From(element),
        _ => new RawJson(JsonSerializer.Serialize(value, value.GetType(), options)),
    };
}
