using System.Data.Common;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.Storage.Postgres;

public sealed class PostgresMemoryIndex(PostgresDatabase database) : IMemoryIndex
{
    public Task<long> Save(MemoryEntry entry, int historyVersions, GrainStateWrite state) => database.Write(async transaction =>
    {
        var upsert = PostgresGrainStateCommands.Statement(
            """
            INSERT INTO memory_keys (key, version, created_by, updated_by, updated_at, size_bytes, readers, expires_at, search)
            VALUES (@key, @version, @created_by, @updated_by, @updated_at, @size_bytes, @readers, @expires_at,
                    to_tsvector('simple'::regconfig, regexp_replace(@key || ' ' || @value, '[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+', ' ', 'g')))
            ON CONFLICT (key) DO UPDATE SET
                version = excluded.version, created_by = excluded.created_by, updated_by = excluded.updated_by,
                updated_at = excluded.updated_at, size_bytes = excluded.size_bytes, readers = excluded.readers,
                expires_at = excluded.expires_at, search = excluded.search
            """,
            ("key", entry.Key), ("version", entry.Version), ("created_by", entry.CreatedBy),
            ("updated_by", entry.UpdatedBy), ("updated_at", entry.UpdatedAt.ToUnixTimeMilliseconds()),
            ("size_bytes", entry.Value.ByteCount), ("readers", Readers(entry)),
            ("expires_at", entry.ExpiresAt?.ToUnixTimeMilliseconds()), ("value", entry.Value.Text));
        upsert.Parameters["expires_at"].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
        var history = PostgresGrainStateCommands.Statement(
            """
            INSERT INTO memory_history (key, version, value, updated_by, updated_at)
            VALUES (@key, @version, @value, @updated_by, @updated_at)
            ON CONFLICT (key, version) DO UPDATE SET
                value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at
            """,
            ("key", entry.Key), ("version", entry.Version), ("value", entry.Value.Text),
            ("updated_by", entry.UpdatedBy), ("updated_at", entry.UpdatedAt.ToUnixTimeMilliseconds()));
        var prune = PostgresGrainStateCommands.Statement(
            MemoryIndexSql.PruneHistory,
            ("key", entry.Key), ("oldest_dropped", entry.Version - historyVersions));
        var count = PostgresStatsStore.CountStatement(entry.UpdatedAt.ToUnixTimeMilliseconds(), AgentNames.Key(entry.UpdatedBy), memoryWrites: 1);
        return await transaction.SaveGrainState(state, upsert, history, prune, count);
    });

    public Task<long> Remove(string key, GrainStateWrite state) => database.Write(transaction => transaction.SaveGrainState(state,
        PostgresGrainStateCommands.Statement("DELETE FROM memory_keys WHERE key = @key", ("key", key)),
        PostgresGrainStateCommands.Statement("DELETE FROM memory_history WHERE key = @key", ("key", key))));

    public Task<IReadOnlyList<MemoryVersion>> History(string key, int limit) => database.Read<IReadOnlyList<MemoryVersion>>(async connection =>
    {
        await using var command = connection.Command(
            "SELECT version, value, updated_by, updated_at FROM memory_history WHERE key = @key ORDER BY version DESC LIMIT @limit",
            ("key", key), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<MemoryVersion>();
        while (await reader.ReadAsync())
        {
            versions.Add(ReadVersion(key, reader));
        }
        return versions;
    });

    public Task<MemoryVersion?> Version(string key, long version) => database.Read(async connection =>
    {
        await using var command = connection.Command(
            "SELECT version, value, updated_by, updated_at FROM memory_history WHERE key = @key AND version = @version",
            ("key", key), ("version", version));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ReadVersion(key, reader) : null;
    });

    public Task<IReadOnlyList<string>> Expired(DateTimeOffset now, int limit) => database.Read<IReadOnlyList<string>>(async connection =>
    {
        await using var command = connection.Command(
            "SELECT key FROM memory_keys WHERE expires_at IS NOT NULL AND expires_at <= @now ORDER BY expires_at LIMIT @limit",
            ("now", now.ToUnixTimeMilliseconds()), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }
        return keys;
    });

    public Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor) => database.Read(async connection =>
    {
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        // A prefix is a key range (an index seek; '%' and '_' in keys mean nothing special). COLLATE "C" keeps
        // the range in code-point order whatever the database's collation.
        if (!string.IsNullOrEmpty(prefix))
        {
            conditions.Add("key COLLATE \"C\" >= @prefix AND key COLLATE \"C\" < @prefix_end");
            parameters.Add(("prefix", prefix));
            parameters.Add(("prefix_end", prefix + char.MaxValue));
        }
        conditions.AddFilter(parameters, "key COLLATE \"C\" > @after", "after", Cursors.ToKey(cursor));
        AddReadable(caller, conditions, parameters);
        parameters.Add(("limit", limit + 1));
        await using var command = connection.Command(
            $"""
             SELECT key, version, created_by, updated_by, updated_at, size_bytes FROM memory_keys
             {conditions.Where()}
             ORDER BY key COLLATE "C"
             LIMIT @limit
             """,
            [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<MemoryKeySummary>();
        while (keys.Count < limit && await reader.ReadAsync())
        {
            keys.Add(new MemoryKeySummary(
                reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt32(5)));
        }
        var hasMore = keys.Count == limit && await reader.ReadAsync();
        return new MemoryKeyPage(keys, hasMore ? Cursors.FromKey(keys[^1].Key) : null);
    });

    public Task<MemorySearchPage> Search(Caller caller, SearchText text, string? prefix, int limit, string? cursor, DateTimeOffset now) =>
        database.Read(async connection =>
        {
            var offset = Cursors.ToPosition(cursor) ?? 0;
            var conditions = new List<string> { "k.search @@ to_tsquery('simple', @match)", "(k.expires_at IS NULL OR k.expires_at > @now)" };
            var parameters = new List<(string, object?)> { ("match", text.ToTsQuery()), ("now", now.ToUnixTimeMilliseconds()) };
            if (!string.IsNullOrEmpty(prefix))
            {
                conditions.Add("k.key COLLATE \"C\" >= @prefix AND k.key COLLATE \"C\" < @prefix_end");
                parameters.Add(("prefix", prefix));
                parameters.Add(("prefix_end", prefix + char.MaxValue));
            }
            AddReadable(caller, conditions, parameters);
            parameters.Add(("limit", limit + 1));
            parameters.Add(("offset", offset));
            await using var command = connection.Command(
                $"""
                 SELECT k.key, k.version, k.created_by, k.updated_by, k.updated_at, k.size_bytes,
                        ts_rank(k.search, to_tsquery('simple', @match)) AS rank, h.value
                 FROM memory_keys k JOIN memory_history h ON h.key = k.key AND h.version = k.version
                 {conditions.Where()}
                 ORDER BY rank DESC, k.key COLLATE "C"
                 LIMIT @limit OFFSET @offset
                 """,
                [.. parameters]);
            await using var reader = await command.ExecuteReaderAsync();
            var hits = new List<MemoryHit>();
            while (hits.Count < limit && await reader.ReadAsync())
            {
                var key = reader.GetString(0);
                var value = reader.GetString(7);
                hits.Add(new MemoryHit(
                    new MemoryKeySummary(key, reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt32(5)),
                    reader.GetFloat(6), text.Matches(value) ? text.Snippet(value) : text.Snippet(key)));
            }
            var hasMore = hits.Count == limit && await reader.ReadAsync();
            return new MemorySearchPage(hits, hasMore ? Cursors.FromPosition(offset + hits.Count) : null);
        });

    /// <summary>
    /// Who may read a key's row (<c>readers</c>, written from the key's access list by <see cref="Readers"/>): the
    /// operator, or an agent in the list or with <c>*</c> there. The one rule for listing and search.
    /// </summary>
    private static void AddReadable(Caller caller, List<string> conditions, List<(string, object?)> parameters)
    {
        if (!caller.IsOperator)
        {
            conditions.Add("readers && @readers");
            parameters.Add(("readers", new[] { AccessControl.Everyone, AgentNames.Key(caller.Name) }));
        }
    }

    private static MemoryVersion ReadVersion(string key, DbDataReader reader) => new(
        key, reader.GetInt64(0), new RawJson(reader.GetString(1)), reader.GetString(2),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));

    /// <summary>Everyone who may read: the creator always, plus the read list.</summary>
    private static string[] Readers(MemoryEntry entry) =>
        entry.AccessControl.Read.Append(entry.CreatedBy)
            .Select(name => name == AccessControl.Everyone ? name : AgentNames.Key(name))
            .Distinct()
            .ToArray();
}
