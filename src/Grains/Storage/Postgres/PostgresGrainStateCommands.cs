using Npgsql;
using NpgsqlTypes;

namespace Orleans.AgentChannel.Storage.Postgres;

internal static class PostgresGrainStateCommands
{
    /// <summary>
    /// The grain's state and the statements for the rows it implies, sent as one batch (one round trip) in the write's
    /// transaction. When the version check lost, throws after the batch, so the caller's transaction rolls it all back.
    /// </summary>
    public static async Task<long> SaveGrainState(this NpgsqlTransaction transaction, GrainStateWrite write, params NpgsqlBatchCommand[] rows)
    {
        await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
        var save = Statement(GrainStateSql.Save,
            ("grain_type", write.Type), ("grain_key", write.Key), ("expected_version", write.ExpectedVersion), ("state", write.State));
        save.Parameters["state"].NpgsqlDbType = NpgsqlDbType.Bytea;
        batch.BatchCommands.Add(save);
        foreach (var row in rows)
        {
            batch.BatchCommands.Add(row);
        }
        await batch.ExecuteNonQueryAsync();
        return save.RecordsAffected == 1 ? write.NewVersion : throw GrainStateSql.VersionConflict(write);
    }

    /// <summary>One statement of a batch, with named parameters bound (null becomes SQL NULL).</summary>
    public static NpgsqlBatchCommand Statement(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }
}
