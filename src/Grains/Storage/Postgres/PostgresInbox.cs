using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Storage.Postgres;

public sealed class PostgresInbox(PostgresDatabase database, TimeProvider clock) : IInbox
{
    public Task Append(string agentKey, IReadOnlyList<(long Seq, InboxItem Item)> items) => database.Write(async transaction =>
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var messageSeqs = items.Select(item => item.Item.MessageLogSequence).OfType<long>().ToArray();
        // One statement for the whole batch (the rows arrive as parallel arrays), taking the messages off the outbox.
        await using var insert = transaction.Command(
            """
            WITH owed AS (
                DELETE FROM owed_deliveries WHERE agent_key = @agent AND message_seq = ANY(@owed) RETURNING 1
            ), stored AS (
                INSERT INTO inbox (agent_key, seq, event, message_seq, data, created_at, delivery_key)
                SELECT @agent, item.seq, item.event, item.message_seq, item.data, @created_at, item.delivery_key
                FROM unnest(@seqs, @events, @message_seqs, @datas, @delivery_keys) AS item(seq, event, message_seq, data, delivery_key)
            )
            SELECT count(*) FROM owed
            """,
            ("agent", agentKey), ("created_at", now), ("owed", messageSeqs),
            ("seqs", items.Select(item => item.Seq).ToArray()),
            ("events", items.Select(item => item.Item.Event).ToArray()),
            ("message_seqs", items.Select(item => item.Item.MessageLogSequence).ToArray()),
            ("datas", items.Select(item => item.Item.MessageLogSequence is null ? item.Item.Data.Text : null).ToArray()),
            ("delivery_keys", items.Select(item => item.Item.DeliveryKey).ToArray()));
        if ((long)(await insert.ExecuteScalarAsync())! != messageSeqs.Length)
        {
            // Rolled back with the rest of this write: nothing of it is kept.
            throw new DeliveryNotOwedException(agentKey);
        }
        var received = items.Count(item => item.Item.Event == EventNames.MessageReceived);
        if (received > 0)
        {
            await PostgresStatsStore.Count(transaction, now, agentKey, received: received);
        }
    });

    public Task<IReadOnlySet<long>> StillOwed(string agentKey, IReadOnlyList<long> messageSeqs) => database.Read<IReadOnlySet<long>>(async connection =>
    {
        await using var command = connection.Command(
            "SELECT message_seq FROM owed_deliveries WHERE agent_key = @agent AND message_seq = ANY(@seqs)",
            ("agent", agentKey), ("seqs", messageSeqs.ToArray()));
        await using var reader = await command.ExecuteReaderAsync();
        var owed = new HashSet<long>();
        while (await reader.ReadAsync())
        {
            owed.Add(reader.GetInt64(0));
        }
        return owed;
    });

    public Task<IReadOnlySet<string>> Delivered(string agentKey, IReadOnlyList<string> deliveryKeys) => database.Read<IReadOnlySet<string>>(async connection =>
    {
        await using var command = connection.Command(
            "SELECT delivery_key FROM inbox WHERE agent_key = @agent AND delivery_key = ANY(@keys)",
            ("agent", agentKey), ("keys", deliveryKeys.ToArray()));
        await using var reader = await command.ExecuteReaderAsync();
        var delivered = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            delivered.Add(reader.GetString(0));
        }
        return delivered;
    });

    public Task<InboxPage> Read(string agentKey, long afterSeq, int limit) => database.Read(async connection =>
    {
        await using var command = connection.Command(
            $"""
             SELECT i.seq, i.event, i.data, {PostgresMessageLog.ColumnsOf("m")}
             FROM inbox i LEFT JOIN messages m ON m.seq = i.message_seq
             WHERE i.agent_key = @agent AND i.seq > @after
             ORDER BY i.seq
             LIMIT @limit
             """,
            ("agent", agentKey), ("after", afterSeq), ("limit", limit + 1));
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<AgentEvent>();
        while (events.Count < limit && await reader.ReadAsync())
        {
            var data = reader.IsDBNull(2)
                ? RawJson.Serialize(MessageLogSql.ReadMessage(reader, firstColumn: 3), AgentChannelJson.Options)
                : new RawJson(reader.GetString(2));
            events.Add(new AgentEvent(reader.GetString(1), reader.GetInt64(0), data));
        }
        return new InboxPage(events, HasMore: events.Count == limit && await reader.ReadAsync());
    });

    public Task<long> LastSequence(string agentKey) => database.Read(async connection =>
    {
        await using var command = connection.Command("SELECT COALESCE(MAX(seq), 0) FROM inbox WHERE agent_key = @agent", ("agent", agentKey));
        return (long)(await command.ExecuteScalarAsync())!;
    });
}
