using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.WebFrontend.Hosting;

namespace Orleans.AgentChannel.Bench.Realtime;

/// <summary>The product exactly as <c>dotnet run --project src/WebFrontend</c> builds it, on loopback and a fresh SQLite file.</summary>
public sealed class BenchServer : IAsyncDisposable
{
    public const string OperatorToken = "bench-operator-token";

    private readonly WebApplication _app;
    private readonly string _directory;

    private BenchServer(WebApplication app, Uri address, string directory, int gatewayPort, string clusterId)
    {
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
        var app = AgentChannelHost.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new BenchServer(app, new Uri(address), directory, gatewayPort, clusterId);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(_directory, recursive: true);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
