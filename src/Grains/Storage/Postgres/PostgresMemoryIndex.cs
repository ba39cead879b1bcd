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
            MemoryIndexSql.UpsertKey,
            ("key", entry.Key), ("version", entry.Version), ("created_by", entry.CreatedBy),
            ("updated_by", entry.UpdatedBy), ("updated_at", entry.UpdatedAt.ToUnixTimeMilliseconds()),
            ("size_bytes", entry.Value.ByteCount), ("readers", Readers(entry)),
            ("expires_at", entry.ExpiresAt?.ToUnixTimeMilliseconds()));
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
        if (!caller.IsOperator)
        {
            conditions.Add("readers && @readers");
            parameters.Add(("readers", new[] { AccessControl.Everyone, AgentNames.Key(caller.Name) }));
        }
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
