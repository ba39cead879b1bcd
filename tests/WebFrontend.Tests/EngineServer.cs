using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using Orleans.AgentChannel.Grains.Tests;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// A server of its own on the engine asked for ("sqlite", or "postgres": skipped without AGENTCHANNEL_TEST_POSTGRES),
/// with a way to count what its database holds, for tests that must see the rows themselves.
/// </summary>
public sealed class EngineServer : IAsyncDisposable
{
    private readonly PostgresTestDatabase? _postgres;
    private readonly TempDatabase? _file;

    private EngineServer(AgentChannelServer server, PostgresTestDatabase? postgres, TempDatabase? file)
    {
        Server = server;
        _postgres = postgres;
        _file = file;
    }

    public static TheoryData<string> Engines => new() { "sqlite", "postgres" };

    public AgentChannelServer Server { get; }

    public static async Task<EngineServer> Start(string engine, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (engine == "postgres")
        {
            var database = await PostgresTestDatabase.Create();
            all["AgentChannel:Storage:Provider"] = "PostgreSQL";
            all["AgentChannel:Storage:PostgresConnectionString"] = database.ConnectionString;
            try
            {
                return new EngineServer(
                    await AgentChannelServer.StartAsync(Path.Combine(Path.GetTempPath(), $"unused-{Guid.NewGuid():N}.db"), all), database, null);
            }
            catch
            {
                await database.DisposeAsync();
                throw;
            }
        }
        var file = new TempDatabase();
        return new EngineServer(await AgentChannelServer.StartAsync(file.Path, all), null, file);
    }

    /// <summary>Rows of <paramref name="table"/> whose <paramref name="column"/> is <paramref name="id"/>.</summary>
    public async Task<long> Rows(string table, string column, Guid id)
    {
        var sql = $"SELECT COUNT(*) FROM {table} WHERE {column} = @id";
        if (_postgres is not null)
        {
            await using var connection = new NpgsqlConnection(_postgres.ConnectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("id", id);
            return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), CultureInfo.InvariantCulture);
        }
        await using var sqlite = new SqliteConnection($"Data Source={Server.DatabasePath};Mode=ReadOnly;Pooling=False");
        await sqlite.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = sqlite.CreateCommand();
        query.CommandText = sql;
        query.Parameters.AddWithValue("@id", id.ToString());
        return Convert.ToInt64(await query.ExecuteScalarAsync(TestContext.Current.CancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Every row of <paramref name="table"/>.</summary>
    public async Task<long> Rows(string table)
    {
        var sql = $"SELECT COUNT(*) FROM {table}";
        if (_postgres is not null)
        {
            await using var connection = new NpgsqlConnection(_postgres.ConnectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), CultureInfo.InvariantCulture);
        }
        await using var sqlite = new SqliteConnection($"Data Source={Server.DatabasePath};Mode=ReadOnly;Pooling=False");
        await sqlite.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = sqlite.CreateCommand();
        query.CommandText = sql;
        return Convert.ToInt64(await query.ExecuteScalarAsync(TestContext.Current.CancellationToken), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        _file?.Dispose();
    }
}
