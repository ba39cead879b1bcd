using System.Text.Json;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Storage;

/// <summary>Query-table rows keep their entity as a JSON document (the wire shape); both stores read it here.</summary>
internal static class StoredDocuments
{
    public static T Read<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, AgentChannelJson.Options)
        ?? throw new InvalidDataException($"A stored {typeof(T).Name} document is empty.");
}
