using Orleans.AgentChannel.Storage.Postgres;
using Orleans.AgentChannel.Storage.Sqlite;

namespace Orleans.AgentChannel.Health;

/// <summary>The probe query: our message log, the first table of our schema, read without rows.</summary>
internal static class ProbeQuery
{
    public const string Sql = "SELECT 1 FROM messages LIMIT 0";
}

internal sealed class SqliteStorageProbe(SqliteDatabase database) : IStorageProbe
{
    public Task Check() => database.Read(connection =>
    {
        using var command = connection.Command(ProbeQuery.Sql);
        return command.ExecuteNonQuery();
    });
}

internal sealed class PostgresStorageProbe(PostgresDatabase database) : IStorageProbe
{
    public Task Check() => database.Read(async connection =>
    {
        await using var command = connection.Command(ProbeQuery.Sql);
        return await command.ExecuteNonQueryAsync();
    });
}
