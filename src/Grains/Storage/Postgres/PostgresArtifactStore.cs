using Npgsql;
using Orleans.AgentChannel.Artifacts;

namespace Orleans.AgentChannel.Storage.Postgres;

/// <summary>
/// Artifacts on PostgreSQL: the same tables and steps as <see cref="Sqlite.SqliteArtifactStore"/>, each call one
/// group-committed write of its own (a chunk at a time, never the file).
/// </summary>
public sealed class PostgresArtifactStore(PostgresDatabase database) : IArtifactStore
{
    private const string Columns = "id, name, content_type, size, sha256, owner, created_at, chunks";

    public Task<bool> BeginUpload(Guid id, string owner, DateTimeOffset startedAt) => database.Write(async transaction =>
    {
        await using var begin = transaction.Command(
            """
            INSERT INTO artifact_uploads (id, owner, started_at)
            SELECT @id, @owner, @started_at WHERE NOT EXISTS (SELECT 1 FROM artifacts WHERE id = @id)
            ON CONFLICT (id) DO NOTHING
            """,
            ("id", id), ("owner", owner), ("started_at", startedAt.ToUnixTimeMilliseconds()));
        return await begin.ExecuteNonQueryAsync() == 1;
    });

    public Task WriteChunk(Guid id, int index, byte[] data) => database.Write(async transaction =>
    {
        // Only while the upload is under way: a chunk of an upload the sweep dropped would never be found again.
        await using var write = transaction.Command(
            """
            INSERT INTO artifact_chunks (artifact_id, chunk, data)
            SELECT @id, @chunk, @data WHERE EXISTS (SELECT 1 FROM artifact_uploads WHERE id = @id)
            """,
            ("id", id), ("chunk", index), ("data", data));
        if (await write.ExecuteNonQueryAsync() != 1)
        {
            throw UploadGone(id);
        }
    });

    public Task Publish(ArtifactInfo artifact) => database.Write(async transaction =>
    {
        await using var publish = transaction.Command(
            $"""
             WITH finished AS (DELETE FROM artifact_uploads WHERE id = @id RETURNING id)
             INSERT INTO artifacts ({Columns})
             SELECT @id, @name, @content_type, @size, @sha256, @owner, @created_at, @chunks FROM finished
             """,
            ("id", artifact.Id), ("name", artifact.Name), ("content_type", artifact.ContentType), ("size", artifact.Size),
            ("sha256", artifact.Sha256), ("owner", artifact.Owner), ("created_at", artifact.CreatedAt.ToUnixTimeMilliseconds()),
            ("chunks", artifact.Chunks));
        if (await publish.ExecuteNonQueryAsync() != 1)
        {
            throw UploadGone(artifact.Id);
        }
    });

    public Task<int> DropUpload(Guid id, int limit) => database.Write(async transaction =>
    {
        // Chunks of a published artifact are never touched: its upload row is gone, and Publish refuses once it is.
        await using var drop = transaction.Command(
            """
            DELETE FROM artifact_chunks WHERE artifact_id = @id
                AND chunk IN (SELECT chunk FROM artifact_chunks WHERE artifact_id = @id LIMIT @limit)
                AND NOT EXISTS (SELECT 1 FROM artifacts WHERE id = @id)
            """,
            ("id", id), ("limit", limit));
        var dropped = await drop.ExecuteNonQueryAsync();
        if (dropped == 0)
        {
            await using var upload = transaction.Command("DELETE FROM artifact_uploads WHERE id = @id", ("id", id));
            await upload.ExecuteNonQueryAsync();
        }
        return dropped;
    });

    public Task<ArtifactInfo?> Find(Guid id) => database.Read(async connection =>
    {
        await using var command = connection.Command($"SELECT {Columns} FROM artifacts WHERE id = @id", ("id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    });

    public Task<bool> ReadableThroughLinks(Guid id, string reader) => database.Read(async connection =>
    {
        var statement = MessageHistorySql.Postgres.ArtifactReadable(id, reader);
        await using var command = connection.Command(statement.Sql, [.. statement.Parameters]);
        return await command.ExecuteScalarAsync() is not null;
    });

    public Task<byte[]?> ReadChunk(Guid id, int index) => database.Read(async connection =>
    {
        await using var command = connection.Command("SELECT data FROM artifact_chunks WHERE artifact_id = @id AND chunk = @chunk",
            ("id", id), ("chunk", index));
        return await command.ExecuteScalarAsync() as byte[];
    });

    public async Task Delete(Guid id, int chunksPerWrite)
    {
        await database.Write(async transaction =>
        {
            await using var delete = transaction.Command(
                """
                WITH links AS (DELETE FROM artifact_messages WHERE artifact_id = @id), tasks AS (DELETE FROM artifact_tasks WHERE artifact_id = @id)
                DELETE FROM artifacts WHERE id = @id
                """,
                ("id", id));
            await delete.ExecuteNonQueryAsync();
        });
        while (await DropUpload(id, chunksPerWrite) > 0)
        {
        }
    }

    public Task<IReadOnlyList<Guid>> CreatedBefore(DateTimeOffset before, int limit) => Ids(
        "SELECT id FROM artifacts WHERE created_at < @before ORDER BY created_at LIMIT @limit", before, limit);

    public Task<IReadOnlyList<Guid>> UploadsStartedBefore(DateTimeOffset before, int limit) => Ids(
        "SELECT id FROM artifact_uploads WHERE started_at < @before ORDER BY started_at LIMIT @limit", before, limit);

    private Task<IReadOnlyList<Guid>> Ids(string sql, DateTimeOffset before, int limit) => database.Read<IReadOnlyList<Guid>>(async connection =>
    {
        await using var command = connection.Command(sql, ("before", before.ToUnixTimeMilliseconds()), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    });

    private static ArtifactInfo Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
        reader.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), reader.GetInt32(7));

    private static Errors.AgentChannelException UploadGone(Guid id) =>
        Errors.AgentChannelException.Conflict($"The upload of artifact {id} was abandoned (unfinished for too long) and its chunks deleted.");
}
