using System.Text.Json;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Storage.Sqlite;

internal static class SqliteValues
{
    public static T Document<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, AgentChannelJson.Options)
        ?? throw new InvalidDataException($"A stored {typeof(T).Name} document is empty.");
}
