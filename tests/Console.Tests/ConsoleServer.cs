using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.WebFrontend.Hosting;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>
/// The real product host (embedded silo, REST, /ws and the console) on loopback with free ports and its own
/// SQLite file, built exactly as <c>dotnet run --project src/WebFrontend</c> builds it.
/// </summary>
public sealed class ConsoleServer : IAsyncDisposable
{
    public const string OperatorToken = "console-test-operator-token";

    private readonly WebApplication _app;

    private ConsoleServer(WebApplication app, Uri address, string databasePath)
    {
        _app = app;
        Address = address;
        DatabasePath = databasePath;
    }

    public Uri Address { get; }

    public string DatabasePath { get; }

    public static async Task<ConsoleServer> StartAsync()
    {
        var databasePath = Path.Combine(Path.GetTempPath(), "agentchannel-tests", $"{Guid.NewGuid():N}", "agentchannel.db");
        var configuration = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["AgentChannel:OperatorToken"] = OperatorToken,
            ["AgentChannel:Storage:SqlitePath"] = databasePath,
            ["AgentChannel:Silo:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["AgentChannel:Silo:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["AgentChannel:Silo:ClusterId"] = $"console-test-{Guid.NewGuid():N}",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var app = AgentChannelHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ConsoleServer(app, new Uri(address), databasePath);
    }

    /// <summary>Subscriptions Orleans holds on the activity stream for this host (the console's and the host's own).</summary>
    public async Task<int> ActivitySubscriptions() =>
        (await _app.Services.GetRequiredService<IClusterClient>().GetStreamProvider(AgentChannelStreams.ProviderName)
            .GetStream<AgentEvent>(AgentChannelStreams.Activity).GetAllSubscriptionHandles()).Count;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var directory = Path.GetDirectoryName(DatabasePath)!;
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
