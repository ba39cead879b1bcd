using Microsoft.Data.Sqlite;

namespace Orleans.AgentChannel.Storage.Sqlite;

public sealed class SqliteGrainStates(SqliteDatabase database, SqliteWriteQueue writes) : IGrainStates
{
    public Task<StoredGrainState?> Read(string type, string key) => database.Read(connection =>
    {
        using var command = connection.Command(GrainStateSql.Read, ("@grain_type", type), ("@grain_key", key));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new StoredGrainState(reader.IsDBNull(0) ? null : (byte[])reader.GetValue(0), reader.GetInt64(1)) : null;
    });

    public Task<long> Save(GrainStateWrite write) => writes.Enqueue(transaction => transaction.SaveGrainState(write));
}

internal static class SqliteGrainStateCommands
{
    /// <summary>
    /// The grain's state, first in the write's transaction: a lost version check throws before the rows that go with
    /// it are written, and the writer rolls the write back whole.
    /// </summary>
    public static long SaveGrainState(this SqliteTransaction transaction, GrainStateWrite write)
    {
        var save = transaction.Statement(GrainStateSql.Save,
            ("@grain_type", write.Type), ("@grain_key", write.Key), ("@expected_version", write.ExpectedVersion), ("@state", write.State));
        return save.ExecuteNonQuery() == 1 ? write.NewVersion : throw GrainStateSql.VersionConflict(write);
    }
}
