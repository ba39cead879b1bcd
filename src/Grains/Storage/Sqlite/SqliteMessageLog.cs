using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Stats;

namespace Orleans.AgentChannel.Storage.Sqlite;

/// <summary>
/// The message log on SQLite: an INSERT per message (plus one per recipient) into B-tree indexes, batched
/// by the group-commit writer, so a message costs the same whatever the log already holds.
/// </summary>
/// <remarks>
/// The full-text index (<c>messages_fts</c>) follows the log in bulk instead of by a trigger per row: every
/// <see cref="SearchIndexChunk"/> appended messages, and before every search, one write indexes what the log holds
/// past <c>messages_fts_progress</c> and moves it. A search therefore sees every message stored before it began. Why:
/// FTS5 writes a segment per transaction it is written in, so indexed with each batch of the log the index cost
/// about a quarter of the writer's time under the <c>direct</c> bench; indexed thousands of rows at a time it costs
/// next to nothing (bench/README.md, "direct").
/// </remarks>
public sealed class SqliteMessageLog(SqliteDatabase database, SqliteWriteQueue writes) : IMessageLog
{
    private const string Columns = MessageLogSql.Columns;

    /// <summary>How many appended messages wait before the log's own writes catch the search index up.</summary>
    internal const int SearchIndexChunk = 2_000;

    private int _appendedSinceIndexed;

    /// <summary>The message columns, in the order <see cref="MessageLogSql.ReadMessage"/> reads them, from a table alias.</summary>
    internal static string ColumnsOf(string alias) => MessageLogSql.ColumnsOf(alias);

    public Task<MessageInfo> Append(MessageInfo message, long? channelSequence, IReadOnlyCollection<string>? deliverTo = null,
        string? requestHash = null)
    {
        var stored = writes.Enqueue(transaction => InsertOne(transaction, message, channelSequence, deliverTo, requestHash));
        IndexWhenDue(1);
        return stored;
    }

    private static MessageInfo InsertOne(SqliteTransaction transaction, MessageInfo message, long? channelSequence,
        IReadOnlyCollection<string>? deliverTo, string? requestHash)
    {
        var stored = Insert(transaction, message, channelSequence, requestHash);
        Owe(transaction, stored.Sequence, deliverTo ?? InboxFanOut.InboxKeys(message.Recipients));
        if (message.Channel is not null)
        {
            foreach (var member in deliverTo ?? [])
            {
                transaction.Statement(
                    "INSERT OR IGNORE INTO message_audience (agent_key, seq) VALUES (@agent, @seq)",
                    ("@agent", member), ("@seq", stored.Sequence)).ExecuteNonQuery();
            }
        }
        CountSent(transaction, [message]);
        return stored;
    }

    public Task<IReadOnlyList<MessageInfo>> AppendAll(IReadOnlyList<MessageInfo> messages, IReadOnlyList<string?>? requestHashes = null)
    {
        var stored = writes.Enqueue<IReadOnlyList<MessageInfo>>(transaction =>
        {
            var stored = new List<MessageInfo>(messages.Count);
            for (var index = 0; index < messages.Count; index++)
            {
                var appended = Insert(transaction, messages[index], null, requestHashes?[index]);
                Owe(transaction, appended.Sequence, InboxFanOut.InboxKeys(messages[index].Recipients));
                stored.Add(appended);
            }
            CountSent(transaction, messages);
            return stored;
        });
        IndexWhenDue(messages.Count);
        return stored;
    }

    /// <summary>
    /// Catches the search index up with the log once enough has been appended. Queued behind the appends counted, so
    /// it indexes them; a catch-up that fails leaves its rows to the next one, which starts where the last stopped.
    /// </summary>
    private void IndexWhenDue(int appended)
    {
        if (Interlocked.Add(ref _appendedSinceIndexed, appended) >= SearchIndexChunk
            && Interlocked.Exchange(ref _appendedSinceIndexed, 0) >= SearchIndexChunk)
        {
            CatchUpSearchIndex().ContinueWith(
                static failed => _ = failed.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Indexes what the log holds past the index. Queued behind every append answered before it is called, so a
    /// search that awaits it finds them.
    /// </summary>
    public Task CatchUpSearchIndex() => writes.Enqueue(IndexForSearch);

    /// <summary>
    /// Indexes every message past <c>messages_fts_progress</c> and moves it to the last. The writer is the only one
    /// that appends, so nothing past the last can be stored while this runs.
    /// </summary>
    private static void IndexForSearch(SqliteTransaction transaction)
    {
        transaction.Statement(
            """
            INSERT INTO messages_fts (rowid, content)
            SELECT seq, content FROM messages WHERE seq > (SELECT indexed_seq FROM messages_fts_progress) ORDER BY seq
            """).ExecuteNonQuery();
        transaction.Statement(
            """
            UPDATE messages_fts_progress SET indexed_seq = (SELECT MAX(seq) FROM messages)
            WHERE indexed_seq < (SELECT MAX(seq) FROM messages)
            """).ExecuteNonQuery();
    }

    public Task<IReadOnlyList<KeyedMessage>> FindKeyed(IReadOnlyList<Guid> ids) => ids.Count == 0
        ? Task.FromResult<IReadOnlyList<KeyedMessage>>([])
        : database.Read<IReadOnlyList<KeyedMessage>>(connection =>
        {
            var found = new List<KeyedMessage>();
            foreach (var id in ids.Distinct())
            {
                using var command = connection.Command(
                    $"SELECT {Columns}, request_hash FROM messages WHERE id = @id AND request_hash IS NOT NULL", ("@id", id.ToString()));
                using var reader = command.ExecuteReader();
                if (reader.Read())
                {
                    found.Add(new KeyedMessage(MessageLogSql.ReadMessage(reader), reader.GetString(13)));
                }
            }
            return found;
        });

    private static void Owe(SqliteTransaction transaction, long sequence, IEnumerable<string> agentKeys)
    {
        foreach (var agentKey in agentKeys)
        {
            transaction.Statement(
                "INSERT OR IGNORE INTO owed_deliveries (agent_key, message_seq) VALUES (@agent, @seq)",
                ("@agent", agentKey), ("@seq", sequence)).ExecuteNonQuery();
        }
    }

    public Task<IReadOnlyList<OwedDelivery>> Owed(DateTimeOffset before, long afterSeq, int limit) => database.Read<IReadOnlyList<OwedDelivery>>(connection =>
    {
        using var command = connection.Command(
            MessageLogSql.Owed,
            ("@before", before.ToUnixTimeMilliseconds()), ("@after", afterSeq), ("@limit", limit));
        using var reader = command.ExecuteReader();
        var owed = new List<OwedDelivery>();
        while (reader.Read())
        {
            owed.Add(new OwedDelivery(reader.GetString(0), MessageLogSql.ReadMessage(reader, firstColumn: 1)));
        }
        return owed;
    });

    private static void CountSent(SqliteTransaction transaction, IEnumerable<MessageInfo> messages)
    {
        foreach (var (hour, sender, sent) in StatsWindow.SentPerHour(messages))
        {
            SqliteStatsStore.Count(transaction, hour, sender, sent: sent);
        }
    }

    private static MessageInfo Insert(SqliteTransaction transaction, MessageInfo message, long? channelSequence, string? requestHash)
    {
        var insert = transaction.Statement(
            """
            INSERT INTO messages (id, sender, channel, channel_seq, task_id, message_type, content, metadata, recipients, created_at, request_hash,
                                  to_capability, role_mode, artifacts)
            VALUES (@id, @sender, @channel, @channel_seq, @task_id, @message_type, @content, @metadata, @recipients, @created_at, @request_hash,
                    @to_capability, @role_mode, @artifacts)
            ON CONFLICT (id) DO NOTHING
            RETURNING seq
            """,
            ("@id", message.Id.ToString()), ("@sender", message.Sender),
            ("@channel", message.Channel is { } channel ? AgentNames.Key(channel) : null), ("@channel_seq", channelSequence),
            ("@task_id", message.TaskId?.ToString()), ("@message_type", message.MessageType),
            ("@content", message.Content), ("@metadata", message.Metadata.Text),
            ("@recipients", JsonSerializer.Serialize(message.Recipients, AgentChannelJson.Options)),
            ("@created_at", message.CreatedAt.ToUnixTimeMilliseconds()), ("@request_hash", requestHash),
            ("@to_capability", message.ToCapability), ("@role_mode", message.Mode is { } mode ? AgentChannelJson.WireName(mode) : null),
            ("@artifacts", message.Artifacts is { Count: > 0 } artifacts ? JsonSerializer.Serialize(artifacts) : null));
        var sequence = insert.ExecuteScalar() as long? ?? throw new KeyedMessageExistsException(message.Id);
        foreach (var artifact in message.Artifacts ?? [])
        {
            // Whoever may read this message may read the artifact (MessageHistorySql.ArtifactReadable).
            transaction.Statement("INSERT OR IGNORE INTO artifact_messages (artifact_id, message_id) VALUES (@artifact, @message)",
                ("@artifact", artifact.ToString()), ("@message", message.Id.ToString())).ExecuteNonQuery();
        }
        foreach (var recipient in message.Recipients)
        {
            var row = transaction.Statement(
                "INSERT OR IGNORE INTO message_recipients (recipient, seq) VALUES (@recipient, @seq)",
                ("@recipient", AgentNames.Key(recipient)), ("@seq", sequence));
            row.ExecuteNonQuery();
        }
        return message with { Sequence = sequence };
    }

    public Task<MessageInfo?> Get(Guid id, string? reader) => database.Read(connection =>
    {
        using var command = Command(connection, MessageHistorySql.Sqlite.Get(ColumnsOf("m"), id, reader));
        using var rows = command.ExecuteReader();
        return rows.Read() ? MessageLogSql.ReadMessage(rows) : null;
    });

    public Task<MessagePage> List(MessageQuery query, string? reader) => database.Read(connection =>
    {
        using var command = Command(connection, MessageHistorySql.Sqlite.List(ColumnsOf("m"), query, reader));
        using var rows = command.ExecuteReader();
        var messages = new List<MessageInfo>();
        while (messages.Count < query.Limit && rows.Read())
        {
            messages.Add(MessageLogSql.ReadMessage(rows));
        }
        var hasMore = messages.Count == query.Limit && rows.Read();
        return new MessagePage(messages, hasMore ? Cursors.FromPosition(messages[^1].Sequence) : null);
    });

    public async Task<MessageSearchPage> Search(SearchText text, MessageQuery query, string? reader)
    {
        await CatchUpSearchIndex();
        return await database.Read(connection => SearchIndexed(connection, text, query, reader));
    }

    private static MessageSearchPage SearchIndexed(SqliteConnection connection, SearchText text, MessageQuery query, string? reader)
    {
        var candidates = new List<(long Seq, string Text)>();
        using (var command = Command(connection, MessageHistorySql.Sqlite.SearchCandidates(text, query, reader, SearchText.Window)))
        using (var rows = command.ExecuteReader())
        {
            while (rows.Read())
            {
                candidates.Add((rows.GetInt64(0), rows.GetString(1)));
            }
        }
        var (page, nextCursor) = SearchPages.Of(text, candidates, query);
        var messages = new Dictionary<long, MessageInfo>();
        if (page.Count > 0)
        {
            using var command = Command(connection, MessageHistorySql.BySequences(ColumnsOf("m"), [.. page.Select(hit => hit.Seq)]));
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                var message = MessageLogSql.ReadMessage(rows);
                messages[message.Sequence] = message;
            }
        }
        return SearchPages.Hits(text, page, messages, nextCursor);
    }

    private static SqliteCommand Command(SqliteConnection connection, MessageHistorySql.Statement statement) =>
        connection.Command(statement.Sql, [.. statement.Parameters.Select(parameter => ("@" + parameter.Name, parameter.Value))]);

    public Task<long> LastChannelSequence(string channelKey) => database.Read(connection =>
    {
        using var command = connection.Command(
            "SELECT IFNULL(MAX(channel_seq), 0) FROM messages WHERE channel = @channel", ("@channel", channelKey));
        return (long)command.ExecuteScalar()!;
    });
}
