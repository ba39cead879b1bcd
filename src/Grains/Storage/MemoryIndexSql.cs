namespace Orleans.AgentChannel.Storage;

/// <summary>The memory index SQL the engines share.</summary>
internal static class MemoryIndexSql
{
    /// <summary>A key's row, inserted or replaced (SQLite; PostgreSQL's also sets the row's search vector: <c>PostgresMemoryIndex</c>).</summary>
    public const string UpsertKey =
        """
        INSERT INTO memory_keys (key, version, created_by, updated_by, updated_at, size_bytes, readers, expires_at)
        VALUES (@key, @version, @created_by, @updated_by, @updated_at, @size_bytes, @readers, @expires_at)
        ON CONFLICT (key) DO UPDATE SET
            version = excluded.version, created_by = excluded.created_by, updated_by = excluded.updated_by,
            updated_at = excluded.updated_at, size_bytes = excluded.size_bytes, readers = excluded.readers,
            expires_at = excluded.expires_at
        """;

    /// <summary>The versions a key's history no longer keeps.</summary>
    public const string PruneHistory = "DELETE FROM memory_history WHERE key = @key AND version <= @oldest_dropped";
}
