using Npgsql;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// A PostgreSQL database of its own for one test (or fixture), created on the server named by
/// AGENTCHANNEL_TEST_POSTGRES and dropped afterwards. Without the variable the test is skipped, saying so.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string Variable = "AGENTCHANNEL_TEST_POSTGRES";

    private readonly string _admin;

    private PostgresTestDatabase(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The test database, as the silos and stores should be given it.</summary>
    public string ConnectionString { get; }

    /// <summary>Whether PostgreSQL tests can run here.</summary>
    public static bool Configured => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Creates a uniquely named database, or skips the calling test when no server is configured.</summary>
    public static async Task<PostgresTestDatabase> Create()
    {
        var admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            Assert.Skip($"PostgreSQL tests need {Variable} set to the connection string of a role allowed to CREATE DATABASE " +
                        "(for example Host=127.0.0.1;Username=agentchannel_ci;Password=...;Database=postgres); .ci/run sets it.");
        }
        var database = new PostgresTestDatabase(admin, $"agentchannel_test_{Guid.NewGuid():N}");
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", connection);
        await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return database;
    }

    /// <summary>Runs SQL against the test database on a connection of its own (a trigger installed or dropped on purpose).</summary>
    public async Task Execute(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        using (var pooled = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }
        // Right after a cluster of processes stops, the server may still be out of connection slots for a moment (their
        // backends end a little after the processes): tried again within a deadline rather than failing the cleanup.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_admin);
                await connection.OpenAsync();
                // FORCE: a killed silo's connections may still be open on the server side.
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
