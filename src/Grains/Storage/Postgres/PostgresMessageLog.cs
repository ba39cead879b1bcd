using System.Data.Common;
using System.Text.Json;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Stats;

namespace Orleans.AgentChannel.Storage.Postgres;

/// <summary>The message log on PostgreSQL: a row per message plus one per recipient, in one transaction.</summary>
public sealed class PostgresMessageLog(PostgresDatabase database) : IMessageLog
{
    private const string Columns = "seq, id, sender, channel, task_id, message_type, content, metadata, recipients, created_at";

    /// <summary>The message columns, in the order <see cref="ReadMessage"/> reads them, from a table alias.</summary>
    internal static string ColumnsOf(string alias) => string.Join(", ", Columns.Split(", ").Select(column => $"{alias}.{column}"));

    public Task<MessageInfo> Append(MessageInfo message, long? channelSequence, IReadOnlyCollection<string>? deliverTo = null) => database.Write(async transaction =>
    {
        var stored = await Insert(transaction, message, channelSequence);
        await Owe(transaction, [(stored.Sequence, deliverTo ?? InboxDelivery.InboxKeys(message.Recipients))]);
        await CountSent(transaction, [message]);
        return stored;
    });

    public Task<IReadOnlyList<MessageInfo>> AppendAll(IReadOnlyList<MessageInfo> messages) => database.Write<IReadOnlyList<MessageInfo>>(async transaction =>
    {
        var stored = new List<MessageInfo>(messages.Count);
        foreach (var message in messages)
        {
            stored.Add(await Insert(transaction, message, null));
        }
        await Owe(transaction, stored.Select(message => (message.Sequence, InboxDelivery.InboxKeys(message.Recipients))));
        await CountSent(transaction, messages);
        return stored;
    });

    /// <summary>The outbox rows of the messages just stored: one statement for all of them.</summary>
    private static async Task Owe(Npgsql.NpgsqlTransaction transaction, IEnumerable<(long Sequence, IEnumerable<string> AgentKeys)> messages)
    {
        var pairs = messages.SelectMany(message => message.AgentKeys.Select(agentKey => (agentKey, message.Sequence))).ToList();
        if (pairs.Count == 0)
        {
            return;
        }
        await using var insert = transaction.Command(
            "INSERT INTO owed_deliveries (agent_key, message_seq) SELECT * FROM unnest(@agents, @seqs) ON CONFLICT DO NOTHING",
            ("agents", pairs.Select(pair => pair.agentKey).ToArray()), ("seqs", pairs.Select(pair => pair.Sequence).ToArray()));
        await insert.ExecuteNonQueryAsync();
    }

    public Task<IReadOnlyList<OwedDelivery>> Owed(DateTimeOffset before, long afterSeq, int limit) => database.Read<IReadOnlyList<OwedDelivery>>(async connection =>
    {
        await using var command = connection.Command(
            $"""
             SELECT o.agent_key, {ColumnsOf("m")}
             FROM owed_deliveries o JOIN messages m ON m.seq = o.message_seq
             WHERE o.message_seq > @after AND m.created_at < @before
             ORDER BY o.message_seq
             LIMIT @limit
             """,
            ("before", before.ToUnixTimeMilliseconds()), ("after", afterSeq), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync();
        var owed = new List<OwedDelivery>();
        while (await reader.ReadAsync())
        {
            owed.Add(new OwedDelivery(reader.GetString(0), ReadMessage(reader, firstColumn: 1)));
        }
        return owed;
    });

    private static async Task CountSent(Npgsql.NpgsqlTransaction transaction, IEnumerable<MessageInfo> messages)
    {
        foreach (var (hour, sender, sent) in StatsWindow.SentPerHour(messages))
        {
            await PostgresStatsStore.Count(transaction, hour, sender, sent: sent);
        }
    }

    private static async Task<MessageInfo> Insert(Npgsql.NpgsqlTransaction transaction, MessageInfo message, long? channelSequence)
    {
        long sequence;
        await using (var insert = transaction.Command(
                         """
                         INSERT INTO messages (id, sender, channel, channel_seq, task_id, message_type, content, metadata, recipients, created_at)
                         VALUES (@id, @sender, @channel, @channel_seq, @task_id, @message_type, @content, @metadata, @recipients, @created_at)
                         RETURNING seq
                         """,
                         ("id", message.Id), ("sender", message.Sender),
                         ("channel", message.Channel is { } channel ? AgentNames.Key(channel) : null), ("channel_seq", channelSequence),
                         ("task_id", message.TaskId), ("message_type", message.MessageType),
                         ("content", message.Content), ("metadata", message.Metadata.Text),
                         ("recipients", JsonSerializer.Serialize(message.Recipients, AgentChannelJson.Options)),
                         ("created_at", message.CreatedAt.ToUnixTimeMilliseconds())))
        {
            insert.Parameters["channel"].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
            insert.Parameters["channel_seq"].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
            insert.Parameters["task_id"].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid;
            sequence = (long)(await insert.ExecuteScalarAsync())!;
        }
        if (message.Recipients.Count > 0)
        {
            await using var rows = transaction.Command(
                "INSERT INTO message_recipients (recipient, seq) SELECT DISTINCT unnest(@recipients), @seq ON CONFLICT DO NOTHING",
                ("recipients", message.Recipients.Select(AgentNames.Key).ToArray()), ("seq", sequence));
            await rows.ExecuteNonQueryAsync();
        }
        return message with { Sequence = sequence };
    }

    public Task<MessageInfo?> Get(Guid id) => database.Read(async connection =>
    {
        await using var command = connection.Command($"SELECT {Columns} FROM messages WHERE id = @id", ("id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ReadMessage(reader) : null;
    });

    public Task<MessagePage> List(MessageQuery query) => database.Read(async connection =>
    {
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        conditions.AddFilter(parameters, "r.recipient = @recipient", "recipient", query.Recipient is { } recipient ? AgentNames.Key(recipient) : null);
        conditions.AddFilter(parameters, "lower(m.sender) = lower(@sender)", "sender", query.Sender);
        conditions.AddFilter(parameters, "m.channel = @channel", "channel", query.Channel is { } channel ? AgentNames.Key(channel) : null);
        conditions.AddFilter(parameters, "m.task_id = @task_id", "task_id", query.TaskId);
        conditions.AddFilter(parameters, "m.created_at >= @since", "since", query.Since?.ToUnixTimeMilliseconds());
        conditions.AddFilter(parameters, "m.created_at < @before", "before", query.Before?.ToUnixTimeMilliseconds());
        conditions.AddFilter(parameters, query.Ascending ? "m.seq > @cursor" : "m.seq < @cursor", "cursor", Cursors.ToPosition(query.Cursor));
        parameters.Add(("limit", query.Limit + 1));
        var source = query.Recipient is null ? "messages m" : "message_recipients r JOIN messages m ON m.seq = r.seq";
        await using var command = connection.Command(
            $"SELECT {ColumnsOf("m")} FROM {source} {conditions.Where()} ORDER BY m.seq {(query.Ascending ? "ASC" : "DESC")} LIMIT @limit",
            [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync();
        var messages = new List<MessageInfo>();
        while (messages.Count < query.Limit && await reader.ReadAsync())
        {
            messages.Add(ReadMessage(reader));
        }
        var hasMore = messages.Count == query.Limit && await reader.ReadAsync();
        return new MessagePage(messages, hasMore ? Cursors.FromPosition(messages[^1].Sequence) : null);
    });

    public Task<long> LastChannelSequence(string channelKey) => database.Read(async connection =>
    {
        await using var command = connection.Command(
            "SELECT COALESCE(MAX(channel_seq), 0) FROM messages WHERE channel = @channel", ("channel", channelKey));
        return (long)(await command.ExecuteScalarAsync())!;
    });

    internal static MessageInfo ReadMessage(DbDataReader reader, int firstColumn = 0)
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
            CreatedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(c + 9)));
    }
}
