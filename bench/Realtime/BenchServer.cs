using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.AgentChannel.WebFrontend.Hosting;

namespace Orleans.AgentChannel.Bench.Realtime;

/// <summary>
/// The product exactly as <c>dotnet run --project src/WebFrontend</c> builds it, on loopback and a fresh SQLite file,
/// or with <see cref="Postgres"/> set a fresh database on that PostgreSQL server (one silo), dropped afterwards.
/// </summary>
public sealed class BenchServer : IAsyncDisposable
{
    public const string OperatorToken = "bench-operator-token";

    private readonly WebApplication _app;
    private readonly string _directory;

    private readonly string? _postgresDatabase;

    private BenchServer(WebApplication app, Uri address, string directory, int gatewayPort, string clusterId, string? postgresDatabase)
    {
        _postgresDatabase = postgresDatabase;
        _app = app;
        Address = address;
        _directory = directory;
        GatewayPort = gatewayPort;
        ClusterId = clusterId;
    }

    public Uri Address { get; }

    /// <summary>Where Orleans clients (the C# AgentClient) reach the embedded silo.</summary>
    public int GatewayPort { get; }

    public string ClusterId { get; }

    public string Directory => _directory;

    public string DatabasePath => Path.Combine(_directory, "bench.db");

    public IServiceProvider Services => _app.Services;

    /// <summary>A PostgreSQL connection string (a role that may create databases) to bench on instead of SQLite.</summary>
    public static string? Postgres { get; set; }

    public static async Task<BenchServer> Start(string? directory = null)
    {
        directory ??= Path.Combine(Path.GetTempPath(), $"agentchannel-bench-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        var gatewayPort = FreePort();
        var clusterId = $"bench-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["AgentChannel:OperatorToken"] = OperatorToken,
            ["AgentChannel:Storage:SqlitePath"] = Path.Combine(directory, "bench.db"),
            ["AgentChannel:Silo:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentChannel:Silo:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentChannel:Silo:ClusterId"] = clusterId,
            // A burst to one agent must not trip the slow-reader guard: the generator reads as fast as it can.
            ["AgentChannel:Realtime:SendQueueCapacity"] = "200000",
            ["AgentChannel:Limits:MaxRecipients"] = "1000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        string? postgresDatabase = null;
        if (Postgres is not null)
        {
            postgresDatabase = $"agentchannel_bench_{Guid.NewGuid():N}";
            await Admin($"CREATE DATABASE \"{postgresDatabase}\"");
            settings["AgentChannel:Storage:Provider"] = "PostgreSQL";
            settings["AgentChannel:Storage:PostgresConnectionString"] =
                new NpgsqlConnectionStringBuilder(Postgres) { Database = postgresDatabase }.ConnectionString;
        }
        var app = AgentChannelHost.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new BenchServer(app, new Uri(address), directory, gatewayPort, clusterId, postgresDatabase);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(_directory, recursive: true);
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await Admin($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)");
        }
    }

    private static async Task Admin(string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
