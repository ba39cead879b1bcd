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
    private const string Columns = MessageLogSql.Columns;

    /// <summary>The message columns, in the order <see cref="MessageLogSql.ReadMessage"/> reads them, from a table alias.</summary>
    internal static string ColumnsOf(string alias) => MessageLogSql.ColumnsOf(alias);

    public Task<MessageInfo> Append(MessageInfo message, long? channelSequence, IReadOnlyCollection<string>? deliverTo = null,
        string? requestHash = null) => database.Write(async transaction =>
    {
        var stored = await Insert(transaction, [(message, channelSequence, deliverTo ?? InboxFanOut.InboxKeys(message.Recipients), requestHash)]);
        await CountSent(transaction, [message]);
        return stored[0];
    });

    public Task<IReadOnlyList<MessageInfo>> AppendAll(IReadOnlyList<MessageInfo> messages, IReadOnlyList<string?>? requestHashes = null) =>
        database.Write<IReadOnlyList<MessageInfo>>(async transaction =>
    {
        var stored = await Insert(transaction,
            [.. messages.Select((message, index) => (message, (long?)null, InboxFanOut.InboxKeys(message.Recipients), requestHashes?[index]))]);
        await CountSent(transaction, messages);
        return stored;
    });

    private static async Task CountSent(Npgsql.NpgsqlTransaction transaction, IEnumerable<MessageInfo> messages)
    {
        foreach (var (hour, sender, sent) in StatsWindow.SentPerHour(messages))
        {
            await PostgresStatsStore.Count(transaction, hour, sender, sent: sent);
        }
    }

    /// <summary>
    /// The messages, their recipient rows and their outbox rows in one statement (one round trip however many):
    /// messages are inserted in the order given, so their sequences follow it. A keyed message whose id is in the log
    /// already is not stored again: <see cref="KeyedMessageExistsException"/>, and the write stores none of them.
    /// </summary>
    private static async Task<IReadOnlyList<MessageInfo>> Insert(Npgsql.NpgsqlTransaction transaction,
        IReadOnlyList<(MessageInfo Message, long? ChannelSequence, IEnumerable<string> DeliverTo, string? RequestHash)> messages)
    {
        var recipients = messages.SelectMany(item => item.Message.Recipients.Select(name => (item.Message.Id, Key: AgentNames.Key(name)))).ToList();
        var owed = messages.SelectMany(item => item.DeliverTo.Select(key => (item.Message.Id, Key: key))).ToList();
        // A channel post's members at the time are its audience (history), for good.
        var posts = messages.Where(item => item.Message.Channel is not null).Select(item => item.Message.Id).ToHashSet();
        var audience = owed.Where(row => posts.Contains(row.Id)).ToList();
        // Whoever may read a message may read the artifacts it carries (MessageHistorySql.ArtifactReadable).
        var links = messages.SelectMany(item => (item.Message.Artifacts ?? []).Select(artifact => (item.Message.Id, Artifact: artifact))).ToList();
        await using var insert = transaction.Command(
            """
            WITH input AS (
                SELECT * FROM unnest(@ids, @senders, @channels, @channel_seqs, @task_ids, @types, @contents, @metadatas, @recipients, @created_ats,
                                     @request_hashes, @to_capabilities, @role_modes, @artifacts)
                    WITH ORDINALITY AS i(id, sender, channel, channel_seq, task_id, message_type, content, metadata, recipients, created_at,
                                         request_hash, to_capability, role_mode, artifacts, n)
            ), stored AS (
                INSERT INTO messages (id, sender, channel, channel_seq, task_id, message_type, content, metadata, recipients, created_at, request_hash,
                                      to_capability, role_mode, artifacts)
                SELECT id, sender, channel, channel_seq, task_id, message_type, content, metadata, recipients, created_at, request_hash,
                       to_capability, role_mode, artifacts FROM input ORDER BY n
                ON CONFLICT (id) DO NOTHING
                RETURNING seq, id
            ), recipient_rows AS (
                INSERT INTO message_recipients (recipient, seq)
                SELECT DISTINCT r.key, s.seq FROM unnest(@recipient_ids, @recipient_keys) AS r(id, key) JOIN stored s ON s.id = r.id
                ON CONFLICT DO NOTHING
            ), owed_rows AS (
                INSERT INTO owed_deliveries (agent_key, message_seq)
                SELECT DISTINCT o.key, s.seq FROM unnest(@owed_ids, @owed_keys) AS o(id, key) JOIN stored s ON s.id = o.id
                ON CONFLICT DO NOTHING
            ), audience_rows AS (
                INSERT INTO message_audience (agent_key, seq)
                SELECT DISTINCT a.key, s.seq FROM unnest(@audience_ids, @audience_keys) AS a(id, key) JOIN stored s ON s.id = a.id
                ON CONFLICT DO NOTHING
            ), artifact_rows AS (
                INSERT INTO artifact_messages (artifact_id, message_id)
                SELECT DISTINCT l.artifact, s.id FROM unnest(@link_ids, @link_artifacts) AS l(id, artifact) JOIN stored s ON s.id = l.id
                ON CONFLICT DO NOTHING
            )
            SELECT id, seq FROM stored
            """,
            ("ids", messages.Select(item => item.Message.Id).ToArray()),
            ("senders", messages.Select(item => item.Message.Sender).ToArray()),
            ("channels", messages.Select(item => item.Message.Channel is { } channel ? AgentNames.Key(channel) : null).ToArray()),
            ("channel_seqs", messages.Select(item => item.ChannelSequence).ToArray()),
            ("task_ids", messages.Select(item => item.Message.TaskId).ToArray()),
            ("types", messages.Select(item => item.Message.MessageType).ToArray()),
            ("contents", messages.Select(item => item.Message.Content).ToArray()),
            ("metadatas", messages.Select(item => item.Message.Metadata.Text).ToArray()),
            ("recipients", messages.Select(item => JsonSerializer.Serialize(item.Message.Recipients, AgentChannelJson.Options)).ToArray()),
            ("created_ats", messages.Select(item => item.Message.CreatedAt.ToUnixTimeMilliseconds()).ToArray()),
            ("request_hashes", messages.Select(item => item.RequestHash).ToArray()),
            ("to_capabilities", messages.Select(item => item.Message.ToCapability).ToArray()),
            ("role_modes", messages.Select(item => item.Message.Mode is { } mode ? AgentChannelJson.WireName(mode) : null).ToArray()),
            ("artifacts", messages.Select(item => item.Message.Artifacts is { Count: > 0 } artifacts ? JsonSerializer.Serialize(artifacts) : null).ToArray()),
            ("link_ids", links.Select(row => row.Id).ToArray()), ("link_artifacts", links.Select(row => row.Artifact).ToArray()),
            ("recipient_ids", recipients.Select(row => row.Id).ToArray()), ("recipient_keys", recipients.Select(row => row.Key).ToArray()),
            ("owed_ids", owed.Select(row => row.Id).ToArray()), ("owed_keys", owed.Select(row => row.Key).ToArray()),
            ("audience_ids", audience.Select(row => row.Id).ToArray()), ("audience_keys", audience.Select(row => row.Key).ToArray()));
        var sequences = new Dictionary<Guid, long>(messages.Count);
        await using (var reader = await insert.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                sequences[reader.GetGuid(0)] = reader.GetInt64(1);
            }
        }
        if (messages.FirstOrDefault(item => !sequences.ContainsKey(item.Message.Id)) is { Message: { } taken })
        {
            throw new KeyedMessageExistsException(taken.Id);
        }
        return [.. messages.Select(item => item.Message with { Sequence = sequences[item.Message.Id] })];
    }

    public Task<IReadOnlyList<OwedDelivery>> Owed(DateTimeOffset before, long afterSeq, int limit) => database.Read<IReadOnlyList<OwedDelivery>>(async connection =>
    {
        await using var command = connection.Command(
            MessageLogSql.Owed,
            ("before", before.ToUnixTimeMilliseconds()), ("after", afterSeq), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync();
        var owed = new List<OwedDelivery>();
        while (await reader.ReadAsync())
        {
            owed.Add(new OwedDelivery(reader.GetString(0), MessageLogSql.ReadMessage(reader, firstColumn: 1)));
        }
        return owed;
    });

    public Task<MessageInfo?> Get(Guid id, string? reader) => database.Read(async connection =>
    {
        await using var command = Command(connection, MessageHistorySql.Postgres.Get(ColumnsOf("m"), id, reader));
        await using var rows = await command.ExecuteReaderAsync();
        return await rows.ReadAsync() ? MessageLogSql.ReadMessage(rows) : null;
    });

    public Task<IReadOnlyList<KeyedMessage>> FindKeyed(IReadOnlyList<Guid> ids) => ids.Count == 0
        ? Task.FromResult<IReadOnlyList<KeyedMessage>>([])
        : database.Read<IReadOnlyList<KeyedMessage>>(async connection =>
        {
            await using var command = connection.Command(
                $"SELECT {Columns}, request_hash FROM messages WHERE id = ANY(@ids) AND request_hash IS NOT NULL", ("ids", ids.Distinct().ToArray()));
            await using var reader = await command.ExecuteReaderAsync();
            var found = new List<KeyedMessage>();
            while (await reader.ReadAsync())
            {
                found.Add(new KeyedMessage(MessageLogSql.ReadMessage(reader), reader.GetString(13)));
            }
            return found;
        });

    public Task<MessagePage> List(MessageQuery query, string? reader) => database.Read(async connection =>
    {
        await using var command = Command(connection, MessageHistorySql.Postgres.List(ColumnsOf("m"), query, reader));
        await using var rows = await command.ExecuteReaderAsync();
        var messages = new List<MessageInfo>();
        while (messages.Count < query.Limit && await rows.ReadAsync())
        {
            messages.Add(MessageLogSql.ReadMessage(rows));
        }
        var hasMore = messages.Count == query.Limit && await rows.ReadAsync();
        return new MessagePage(messages, hasMore ? Cursors.FromPosition(messages[^1].Sequence) : null);
    });

    public Task<MessageSearchPage> Search(SearchText text, MessageQuery query, string? reader) => database.Read(async connection =>
    {
        var candidates = new List<(long Seq, string Text)>();
        await using (var command = Command(connection, MessageHistorySql.Postgres.SearchCandidates(text, query, reader, SearchText.Window)))
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                candidates.Add((rows.GetInt64(0), rows.GetString(1)));
            }
        }
        var (page, nextCursor) = SearchPages.Of(text, candidates, query);
        var messages = new Dictionary<long, MessageInfo>();
        if (page.Count > 0)
        {
            await using var command = Command(connection, MessageHistorySql.BySequences(ColumnsOf("m"), [.. page.Select(hit => hit.Seq)]));
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                var message = MessageLogSql.ReadMessage(rows);
                messages[message.Sequence] = message;
            }
        }
        return SearchPages.Hits(text, page, messages, nextCursor);
    });

    private static Npgsql.NpgsqlCommand Command(Npgsql.NpgsqlConnection connection, MessageHistorySql.Statement statement) =>
        connection.Command(statement.Sql, [.. statement.Parameters]);

    public Task<long> LastChannelSequence(string channelKey) => database.Read(async connection =>
    {
        await using var command = connection.Command(
            "SELECT COALESCE(MAX(channel_seq), 0) FROM messages WHERE channel = @channel", ("channel", channelKey));
        return (long)(await command.ExecuteScalarAsync())!;
    });
}
