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
        // memory_search (FTS5) shares the listing row's rowid, which an upsert keeps.
        transaction.Statement(
            "DELETE FROM memory_search WHERE rowid = (SELECT rowid FROM memory_keys WHERE key = @key)",
            ("@key", entry.Key)).ExecuteNonQuery();
        transaction.Statement(
            "INSERT INTO memory_search (rowid, key, value) SELECT rowid, key, @value FROM memory_keys WHERE key = @key",
            ("@key", entry.Key), ("@value", entry.Value.Text)).ExecuteNonQuery();
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
        transaction.Statement(
            "DELETE FROM memory_search WHERE rowid = (SELECT rowid FROM memory_keys WHERE key = @key)", ("@key", key)).ExecuteNonQuery();
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
            $"""
            SELECT key, version, created_by, updated_by, updated_at, size_bytes FROM memory_keys
            WHERE (@prefix IS NULL OR (key >= @prefix AND key < @prefix_end))
              AND (@after IS NULL OR key > @after)
              AND {Readable}
            ORDER BY key
            LIMIT @limit
            """,
            [("@prefix", string.IsNullOrEmpty(prefix) ? null : prefix),
             ("@prefix_end", string.IsNullOrEmpty(prefix) ? null : prefix + char.MaxValue),
             ("@after", Cursors.ToKey(cursor)), .. ReadableParameters(caller), ("@limit", limit + 1)]);
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

    public Task<MemorySearchPage> Search(Caller caller, SearchText text, string? prefix, int limit, string? cursor, DateTimeOffset now) =>
        database.Read(connection =>
        {
            var offset = Cursors.ToPosition(cursor) ?? 0;
            // Ordered by rank alone, so FTS5 sorts the matches itself (see MessageHistorySql.Sqlite).
            using var command = connection.Command(
                $"""
                SELECT k.key, k.version, k.created_by, k.updated_by, k.updated_at, k.size_bytes, -memory_search.rank, memory_search.value
                FROM memory_search CROSS JOIN memory_keys k
                WHERE memory_search MATCH @match AND k.rowid = memory_search.rowid
                  AND (@prefix IS NULL OR (k.key >= @prefix AND k.key < @prefix_end))
                  AND (k.expires_at IS NULL OR k.expires_at > @now)
                  AND {Readable}
                ORDER BY memory_search.rank
                LIMIT @limit OFFSET @offset
                """,
                [("@match", text.ToFts5()),
                 ("@prefix", string.IsNullOrEmpty(prefix) ? null : prefix),
                 ("@prefix_end", string.IsNullOrEmpty(prefix) ? null : prefix + char.MaxValue),
                 ("@now", now.ToUnixTimeMilliseconds()), .. ReadableParameters(caller), ("@limit", limit + 1), ("@offset", offset)]);
            using var reader = command.ExecuteReader();
            var hits = new List<MemoryHit>();
            while (hits.Count < limit && reader.Read())
            {
                var key = reader.GetString(0);
                var value = reader.GetString(7);
                hits.Add(new MemoryHit(
                    new MemoryKeySummary(key, reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt32(5)),
                    reader.GetDouble(6), text.Matches(value) ? text.Snippet(value) : text.Snippet(key)));
            }
            var hasMore = hits.Count == limit && reader.Read();
            return new MemorySearchPage(hits, hasMore ? Cursors.FromPosition(offset + hits.Count) : null);
        });

    /// <summary>
    /// Who may read a key's row (<c>readers</c>, written from the key's access list by <see cref="ReaderList"/>): the
    /// operator, or an agent in the list or with <c>*</c> there. The one rule for listing and search.
    /// </summary>
    private const string Readable = "(@operator = 1 OR instr(readers, '|*|') > 0 OR instr(readers, @reader) > 0)";

    private static (string, object?)[] ReadableParameters(Caller caller) =>
        [("@operator", caller.IsOperator ? 1 : 0), ("@reader", $"|{AgentNames.Key(caller.Name)}|")];

    /// <summary>Everyone who may read: the creator always, plus the read list.</summary>
    private static string ReaderList(MemoryEntry entry) =>
        "|" + string.Join("|", entry.AccessControl.Read.Append(entry.CreatedBy)
            .Select(name => name == Memory.AccessControl.Everyone ? name : AgentNames.Key(name))
            .Distinct()) + "|";
}
