using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orleans.AgentChannel.WebFrontend.Tests;

[assembly: AssemblyFixture(typeof(Orleans.AgentChannel.Client.Tests.ClusterFixture))]

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>
/// One real server (embedded silo + Kestrel, its own SQLite file, free ports) shared by the tests; C# agents
/// join it through its Orleans gateway on loopback, WebSocket agents through /ws. Each test uses unique names.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A started <see cref="AgentChannelServer"/> with the gateway port and cluster id a C# agent needs.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(AgentChannelServer host, int gatewayPort, string clusterId, string directory)
    {
        Host = host;
        GatewayPort = gatewayPort;
        ClusterId = clusterId;
        Directory = directory;
    }

    public AgentChannelServer Host { get; }

    public int GatewayPort { get; }

    public string ClusterId { get; }

    /// <summary>Holds the database and the agents' token files; deleted with the server.</summary>
    public string Directory { get; }

    public static async Task<TestServer> StartAsync(IDictionary<string, string?>? settings = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "agentchannel-client-tests", Guid.NewGuid().ToString("N"));
        var gatewayPort = FreePort();
        var clusterId = $"test-{Guid.NewGuid():N}";
        var configuration = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["AgentChannel:Silo:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["AgentChannel:Silo:ClusterId"] = clusterId,
        };
        var host = await AgentChannelServer.StartAsync(Path.Combine(directory, "agentchannel.db"), configuration, services);
        return new TestServer(host, gatewayPort, clusterId, directory);
    }

    /// <summary>Options for a C# agent on this server, its token file kept in the server's directory.</summary>
    public AgentClientOptions Options(string name, params string[] capabilities) =>
        AgentOptions(name, GatewayPort, ClusterId, Directory, capabilities);

    /// <summary>Options for a C# agent on a server on loopback, its token file kept in <paramref name="directory"/>.</summary>
    public static AgentClientOptions AgentOptions(string name, int gatewayPort, string clusterId, string directory, params string[] capabilities) => new()
    {
        Name = name,
        Capabilities = capabilities,
        Gateways = [new IPEndPoint(IPAddress.Loopback, gatewayPort)],
        ClusterId = clusterId,
        TokenFile = Path.Combine(directory, "tokens", $"{name}.token"),
    };

    public Task<AgentClient> Connect(string name, params string[] capabilities) =>
        AgentClient.ConnectAsync(Options(name, capabilities), TestContext.Current.CancellationToken);

    /// <summary>A WebSocket agent registered under <paramref name="name"/>; returns the socket and its token.</summary>
    public async Task<(WsClient Socket, string Token)> ConnectWebSocket(string name, params string[] capabilities)
    {
        var socket = await WsClient.Connect(Host);
        var registered = await socket.Register(new { name, type = "llm", capabilities });
        return (socket, registered["token"]!.GetValue<string>());
    }

    public HttpClient Operator() => Host.Client(AgentChannelServer.OperatorToken);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>A unique agent name: the prefix says which test made it.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
