using Microsoft.Data.Sqlite;
using Orleans.AgentChannel.Artifacts;

namespace Orleans.AgentChannel.Storage.Sqlite;

/// <summary>
/// Artifacts on SQLite. Every call is one queued write of its own through the single writer: a chunk (at most
/// <see cref="ArtifactChunks.Size"/>) shares a batch with whatever else waits, so a large upload holds the writer for
/// one chunk at a time, never for the file.
/// </summary>
public sealed class SqliteArtifactStore(SqliteDatabase database, SqliteWriteQueue writes) : IArtifactStore
{
    private const string Columns = "id, name, content_type, size, sha256, owner, created_at, chunks";

    public Task<bool> BeginUpload(Guid id, string owner, DateTimeOffset startedAt) => writes.Enqueue(transaction =>
    {
        var taken = transaction.Statement("SELECT COUNT(*) FROM artifacts WHERE id = @id", ("@id", id.ToString()));
        if ((long)taken.ExecuteScalar()! != 0)
        {
            return false;
        }
        return transaction.Statement(
            "INSERT INTO artifact_uploads (id, owner, started_at) VALUES (@id, @owner, @started_at) ON CONFLICT (id) DO NOTHING",
            ("@id", id.ToString()), ("@owner", owner), ("@started_at", startedAt.ToUnixTimeMilliseconds())).ExecuteNonQuery() == 1;
    });

    public Task WriteChunk(Guid id, int index, byte[] data) => writes.Enqueue(transaction =>
    {
        // Only while the upload is under way: a chunk of an upload the sweep dropped would never be found again.
        var written = transaction.Statement(
            """
            INSERT INTO artifact_chunks (artifact_id, chunk, data)
            SELECT @id, @chunk, @data WHERE EXISTS (SELECT 1 FROM artifact_uploads WHERE id = @id)
            """,
            ("@id", id.ToString()), ("@chunk", index), ("@data", data)).ExecuteNonQuery();
        if (written != 1)
        {
            throw UploadGone(id);
        }
    });

    public Task Publish(ArtifactInfo artifact) => writes.Enqueue(transaction =>
    {
        var finished = transaction.Statement("DELETE FROM artifact_uploads WHERE id = @id", ("@id", artifact.Id.ToString())).ExecuteNonQuery();
        if (finished != 1)
        {
            throw UploadGone(artifact.Id);
        }
        transaction.Statement(
            $"INSERT INTO artifacts ({Columns}) VALUES (@id, @name, @content_type, @size, @sha256, @owner, @created_at, @chunks)",
            ("@id", artifact.Id.ToString()), ("@name", artifact.Name), ("@content_type", artifact.ContentType), ("@size", artifact.Size),
            ("@sha256", artifact.Sha256), ("@owner", artifact.Owner), ("@created_at", artifact.CreatedAt.ToUnixTimeMilliseconds()),
            ("@chunks", artifact.Chunks)).ExecuteNonQuery();
    });

    public Task<int> DropUpload(Guid id, int limit) => writes.Enqueue(transaction =>
    {
        // Chunks of a published artifact are never touched: its upload row is gone, and Publish refuses once it is.
        var dropped = transaction.Statement(
            """
            DELETE FROM artifact_chunks WHERE artifact_id = @id AND chunk IN (SELECT chunk FROM artifact_chunks WHERE artifact_id = @id LIMIT @limit)
                AND NOT EXISTS (SELECT 1 FROM artifacts WHERE id = @id)
            """,
            ("@id", id.ToString()), ("@limit", limit)).ExecuteNonQuery();
        if (dropped == 0)
        {
            transaction.Statement("DELETE FROM artifact_uploads WHERE id = @id", ("@id", id.ToString())).ExecuteNonQuery();
        }
        return dropped;
    });

    public Task<ArtifactInfo?> Find(Guid id) => database.Read(connection =>
    {
        using var command = connection.Command($"SELECT {Columns} FROM artifacts WHERE id = @id", ("@id", id.ToString()));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    });

    public Task<bool> ReadableThroughLinks(Guid id, string reader) => database.Read(connection =>
    {
        var statement = MessageHistorySql.Sqlite.ArtifactReadable(id, reader);
        using var command = connection.Command(statement.Sql, [.. statement.Parameters.Select(parameter => ("@" + parameter.Name, parameter.Value))]);
        return command.ExecuteScalar() is not null;
    });

    public Task<byte[]?> ReadChunk(Guid id, int index) => database.Read(connection =>
    {
        using var command = connection.Command("SELECT data FROM artifact_chunks WHERE artifact_id = @id AND chunk = @chunk",
            ("@id", id.ToString()), ("@chunk", index));
        return command.ExecuteScalar() as byte[];
    });

    public async Task Delete(Guid id, int chunksPerWrite)
    {
        var key = id.ToString();
        await writes.Enqueue(transaction =>
        {
            transaction.Statement("DELETE FROM artifacts WHERE id = @id", ("@id", key)).ExecuteNonQuery();
            transaction.Statement("DELETE FROM artifact_messages WHERE artifact_id = @id", ("@id", key)).ExecuteNonQuery();
            transaction.Statement("DELETE FROM artifact_tasks WHERE artifact_id = @id", ("@id", key)).ExecuteNonQuery();
        });
        while (await DropUpload(id, chunksPerWrite) > 0)
        {
        }
    }

    public Task<IReadOnlyList<Guid>> CreatedBefore(DateTimeOffset before, int limit) => Ids(
        "SELECT id FROM artifacts WHERE created_at < @before ORDER BY created_at LIMIT @limit", before, limit);

    public Task<IReadOnlyList<Guid>> UploadsStartedBefore(DateTimeOffset before, int limit) => Ids(
        "SELECT id FROM artifact_uploads WHERE started_at < @before ORDER BY started_at LIMIT @limit", before, limit);

    private Task<IReadOnlyList<Guid>> Ids(string sql, DateTimeOffset before, int limit) => database.Read<IReadOnlyList<Guid>>(connection =>
    {
        using var command = connection.Command(sql, ("@before", before.ToUnixTimeMilliseconds()), ("@limit", limit));
        using var reader = command.ExecuteReader();
        var ids = new List<Guid>();
        while (reader.Read())
        {
            ids.Add(Guid.Parse(reader.GetString(0)));
        }
        return ids;
    });

    private static ArtifactInfo Read(SqliteDataReader reader) => new(
        Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
        reader.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), reader.GetInt32(7));

    private static Errors.AgentChannelException UploadGone(Guid id) =>
        Errors.AgentChannelException.Conflict($"The upload of artifact {id} was abandoned (unfinished for too long) and its chunks deleted.");
}
