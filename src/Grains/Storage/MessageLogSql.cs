using System.Data.Common;
using System.Text.Json;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Storage;

/// <summary>The message log SQL that reads the same on SQLite and PostgreSQL.</summary>
internal static class MessageLogSql
{
    /// <summary>The message columns, in the order each engine's <c>ReadMessage</c> reads them.</summary>
    public const string Columns = "seq, id, sender, channel, task_id, message_type, content, metadata, recipients, created_at, to_capability, role_mode, artifacts";

    /// <summary><see cref="Columns"/> from a table alias.</summary>
    public static string ColumnsOf(string alias) => string.Join(", ", Columns.Split(", ").Select(column => $"{alias}.{column}"));

    /// <summary>Deliveries still owed (their first delivery failed), oldest message first: <c>@after</c>, <c>@before</c>, <c>@limit</c>.</summary>
    public static readonly string Owed =
        $"""
         SELECT o.agent_key, {ColumnsOf("m")}
         FROM owed_deliveries o JOIN messages m ON m.seq = o.message_seq
         WHERE o.message_seq > @after AND m.created_at < @before
         ORDER BY o.message_seq
         LIMIT @limit
         """;

    /// <summary>
    /// A message from its <see cref="Columns"/>, starting at <paramref name="firstColumn"/>. One reader for both
    /// engines: GUIDs are native on PostgreSQL and text on SQLite, and both providers' <c>GetGuid</c> read their own.
    /// </summary>
    public static MessageInfo ReadMessage(DbDataReader reader, int firstColumn = 0)
    {
        var c = firstColumn;
        return new MessageInfo(
            Id: reader.GetGuid(c + 1),
            Sequence: reader.GetInt64(c),
            Sender: reader.GetString(c + 2),
            Recipients: JsonSerializer.Deserialize<string[]>(reader.GetString(c + 8), AgentChannelJson.Options) ?? [],
            Channel: reader.IsDBNull(c + 3) ? null : reader.GetString(c + 3),
            TaskId: reader.IsDBNull(c + 4) ? null : reader.GetGuid(c + 4),
            Content: reader.GetString(c + 6),
            MessageType: reader.GetString(c + 5),
            Metadata: new RawJson(reader.GetString(c + 7)),
            CreatedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(c + 9)),
            ToCapability: reader.IsDBNull(c + 10) ? null : reader.GetString(c + 10),
            Mode: reader.IsDBNull(c + 11) ? null : AgentChannelJson.ParseWireName<RoleMode>(reader.GetString(c + 11), "role_mode"),
            Artifacts: reader.IsDBNull(c + 12) ? null : JsonSerializer.Deserialize<Guid[]>(reader.GetString(c + 12)));
    }
}
