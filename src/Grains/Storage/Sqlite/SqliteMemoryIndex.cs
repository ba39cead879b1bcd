using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.Storage.Sqlite;

public sealed class SqliteMemoryIndex(SqliteDatabase database, SqliteWriteQueue writes) : IMemoryIndex
{
    public Task<long> Save(MemoryEntry entry, int historyVersions, GrainStateWrite state) => writes.Enqueue(transaction =>
    {
        var version = transaction.SaveGrainState(state);
        var upsert = transaction.Statement(
            MemoryIndexSql.UpsertKey,
            ("@key", entry.Key), ("@version", entry.Version), ("@created_by", entry.CreatedBy),
            ("@updated_by", entry.UpdatedBy), ("@updated_at", entry.UpdatedAt.ToUnixTimeMilliseconds()),
            ("@size_bytes", entry.Value.ByteCount), ("@readers", ReaderList(entry)),
            ("@expires_at", entry.ExpiresAt?.ToUnixTimeMilliseconds()));
        upsert.ExecuteNonQuery();
        var history = transaction.Statement(
            """
            INSERT OR REPLACE INTO memory_history (key, version, value, updated_by, updated_at)
            VALUES (@key, @version, @value, @updated_by, @updated_at)
            """,
            ("@key", entry.Key), ("@version", entry.Version), ("@value", entry.Value.Text),
            ("@updated_by", entry.UpdatedBy), ("@updated_at", entry.UpdatedAt.ToUnixTimeMilliseconds()));
        history.ExecuteNonQuery();
        SqliteStatsStore.Count(transaction, entry.UpdatedAt.ToUnixTimeMilliseconds(), AgentNames.Key(entry.UpdatedBy), memoryWrites: 1);
        var prune = transaction.Statement(
            MemoryIndexSql.PruneHistory,
            ("@key", entry.Key), ("@oldest_dropped", entry.Version - historyVersions));
        prune.ExecuteNonQuery();
        return version;
    });

    public Task<long> Remove(string key, GrainStateWrite state) => writes.Enqueue(transaction =>
    {
        var version = transaction.SaveGrainState(state);
        transaction.Statement("DELETE FROM memory_keys WHERE key = @key", ("@key", key)).ExecuteNonQuery();
        transaction.Statement("DELETE FROM memory_history WHERE key = @key", ("@key", key)).ExecuteNonQuery();
        return version;
    });

    public Task<IReadOnlyList<MemoryVersion>> History(string key, int limit) => database.Read<IReadOnlyList<MemoryVersion>>(connection =>
    {
        using var command = connection.Command(
            "SELECT version, value, updated_by, updated_at FROM memory_history WHERE key = @key ORDER BY version DESC LIMIT @limit",
            ("@key", key), ("@limit", limit));
        using var reader = command.ExecuteReader();
        var versions = new List<MemoryVersion>();
        while (reader.Read())
        {
            versions.Add(ReadVersion(key, reader));
        }
        return versions;
    });

    public Task<MemoryVersion?> Version(string key, long version) => database.Read(connection =>
    {
        using var command = connection.Command(
            "SELECT version, value, updated_by, updated_at FROM memory_history WHERE key = @key AND version = @version",
            ("@key", key), ("@version", version));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadVersion(key, reader) : null;
    });

    public Task<IReadOnlyList<string>> Expired(DateTimeOffset now, int limit) => database.Read<IReadOnlyList<string>>(connection =>
    {
        using var command = connection.Command(
            "SELECT key FROM memory_keys WHERE expires_at IS NOT NULL AND expires_at <= @now ORDER BY expires_at LIMIT @limit",
            ("@now", now.ToUnixTimeMilliseconds()), ("@limit", limit));
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read())
        {
            keys.Add(reader.GetString(0));
        }
        return keys;
    });

    private static MemoryVersion ReadVersion(string key, Microsoft.Data.Sqlite.SqliteDataReader reader) => new(
        key, reader.GetInt64(0), new Json.RawJson(reader.GetString(1)), reader.GetString(2),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));

    public Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor) => database.Read(connection =>
    {
        // A prefix is matched as a key range, so it is an index seek and '%'/'_' in keys mean nothing special.
        using var command = connection.Command(
            """
            SELECT key, version, created_by, updated_by, updated_at, size_bytes FROM memory_keys
            WHERE (@prefix IS NULL OR (key >= @prefix AND key < @prefix_end))
              AND (@after IS NULL OR key > @after)
              AND (@operator = 1 OR instr(readers, '|*|') > 0 OR instr(readers, @reader) > 0)
            ORDER BY key
            LIMIT @limit
            """,
            ("@prefix", string.IsNullOrEmpty(prefix) ? null : prefix),
            ("@prefix_end", string.IsNullOrEmpty(prefix) ? null : prefix + char.MaxValue),
            ("@after", Cursors.ToKey(cursor)), ("@operator", caller.IsOperator ? 1 : 0),
            ("@reader", $"|{AgentNames.Key(caller.Name)}|"), ("@limit", limit + 1));
        using var reader = command.ExecuteReader();
        var keys = new List<MemoryKeySummary>();
        while (keys.Count < limit && reader.Read())
        {
            keys.Add(new MemoryKeySummary(
                reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt32(5)));
        }
        var hasMore = keys.Count == limit && reader.Read();
        return new MemoryKeyPage(keys, hasMore ? Cursors.FromKey(keys[^1].Key) : null);
    });

    /// <summary>Everyone who may read: the creator always, plus the read list.</summary>
    private static string ReaderList(MemoryEntry entry) =>
        "|" + string.Join("|", entry.AccessControl.Read.Append(entry.CreatedBy)
            .Select(name => name == Memory.AccessControl.Everyone ? name : AgentNames.Key(name))
            .Distinct()) + "|";
}
