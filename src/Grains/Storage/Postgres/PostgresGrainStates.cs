namespace Orleans.AgentChannel.Storage.Postgres;

public sealed class PostgresGrainStates(PostgresDatabase database) : IGrainStates
{
    public Task<StoredGrainState?> Read(string type, string key) => database.Read(async connection =>
    {
        await using var command = connection.Command(GrainStateSql.Read, ("grain_type", type), ("grain_key", key));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new StoredGrainState(reader.IsDBNull(0) ? null : (byte[])reader.GetValue(0), reader.GetInt64(1)) : null;
    });

    public Task<long> Save(GrainStateWrite write) => database.Write(transaction => transaction.SaveGrainState(write));
}
