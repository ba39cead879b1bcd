using Orleans.AgentChannel.Storage.Postgres;

namespace Orleans.AgentChannel.Health;

internal sealed class PostgresStorageProbe(PostgresDatabase database) : IStorageProbe
{
    public Task Check() => database.Read(async connection =>
    {
        await using var command = connection.Command(ProbeQuery.Sql);
        return await command.ExecuteNonQueryAsync();
    });
}
