using Orleans.AgentChannel.Storage.Sqlite;

namespace Orleans.AgentChannel.Health;

internal sealed class SqliteStorageProbe(SqliteDatabase database) : IStorageProbe
{
    public Task Check() => database.Read(connection =>
    {
        using var command = connection.Command(ProbeQuery.Sql);
        return command.ExecuteNonQuery();
    });
}
