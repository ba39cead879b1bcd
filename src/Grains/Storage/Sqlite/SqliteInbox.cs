using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Storage.Sqlite;

public sealed class SqliteInbox(SqliteDatabase database, SqliteWriteQueue writes, TimeProvider clock) : IInbox
{
    public Task Append(string agentKey, IReadOnlyList<(long Seq, InboxItem Item)> items) => writes.Enqueue(transaction =>
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (seq, item) in items)
        {
            if (item.MessageLogSequence is { } messageSeq && transaction.Statement(
                    "DELETE FROM owed_deliveries WHERE agent_key = @agent AND message_seq = @seq",
                    ("@agent", agentKey), ("@seq", messageSeq)).ExecuteNonQuery() == 0)
            {
                throw new DeliveryNotOwedException(agentKey);
            }
            var insert = transaction.Statement(
                "INSERT INTO inbox (agent_key, seq, event, message_seq, data, created_at, delivery_key) VALUES (@agent, @seq, @event, @message_seq, @data, @created_at, @delivery_key)",
                ("@agent", agentKey), ("@seq", seq), ("@event", item.Event), ("@message_seq", item.MessageLogSequence),
                ("@data", item.MessageLogSequence is null ? item.Data.Text : null), ("@created_at", now), ("@delivery_key", item.DeliveryKey));
            insert.ExecuteNonQuery();
        }
        var received = items.Count(item => item.Item.Event == EventNames.MessageReceived);
        if (received > 0)
        {
            SqliteStatsStore.Count(transaction, now, agentKey, received: received);
        }
    });

    public Task<IReadOnlySet<long>> StillOwed(string agentKey, IReadOnlyList<long> messageSeqs) => database.Read<IReadOnlySet<long>>(connection =>
    {
        var owed = new HashSet<long>();
        foreach (var seq in messageSeqs)
        {
            using var command = connection.Command(
                "SELECT 1 FROM owed_deliveries WHERE agent_key = @agent AND message_seq = @seq", ("@agent", agentKey), ("@seq", seq));
            if (command.ExecuteScalar() is not null)
            {
                owed.Add(seq);
            }
        }
        return owed;
    });

    public Task<IReadOnlySet<string>> Delivered(string agentKey, IReadOnlyList<string> deliveryKeys) => database.Read<IReadOnlySet<string>>(connection =>
    {
        var names = string.Join(", ", deliveryKeys.Select((_, i) => $"@k{i}"));
        using var command = connection.Command(
            $"SELECT delivery_key FROM inbox WHERE agent_key = @agent AND delivery_key IN ({names})",
            [("@agent", (object?)agentKey), .. deliveryKeys.Select((key, i) => ($"@k{i}", (object?)key))]);
        using var reader = command.ExecuteReader();
        var delivered = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            delivered.Add(reader.GetString(0));
        }
        return delivered;
    });

    public Task<InboxPage> Read(string agentKey, long afterSeq, int limit) => database.Read(connection =>
    {
        using var command = connection.Command(
            $"""
             SELECT i.seq, i.event, i.data, {SqliteMessageLog.ColumnsOf("m")}
             FROM inbox i LEFT JOIN messages m ON m.seq = i.message_seq
             WHERE i.agent_key = @agent AND i.seq > @after
             ORDER BY i.seq
             LIMIT @limit
             """,
            ("@agent", agentKey), ("@after", afterSeq), ("@limit", limit + 1));
        using var reader = command.ExecuteReader();
        var events = new List<AgentEvent>();
        while (events.Count < limit && reader.Read())
        {
            var data = reader.IsDBNull(2)
                ? RawJson.Serialize(MessageLogSql.ReadMessage(reader, firstColumn: 3), AgentChannelJson.Options)
                : new RawJson(reader.GetString(2));
            events.Add(new AgentEvent(reader.GetString(1), reader.GetInt64(0), data));
        }
        return new InboxPage(events, HasMore: events.Count == limit && reader.Read());
    });

    public Task<long> LastSequence(string agentKey) => database.Read(connection =>
    {
        using var command = connection.Command("SELECT IFNULL(MAX(seq), 0) FROM inbox WHERE agent_key = @agent", ("@agent", agentKey));
        return (long)command.ExecuteScalar()!;
    });
}
