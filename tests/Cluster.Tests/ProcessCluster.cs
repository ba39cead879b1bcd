using Orleans.AgentChannel.Grains.Tests;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// The scale-out deployment as processes: two (or more) <c>Silo</c> processes and two <c>WebFrontend</c> gateways in client mode
/// on one fresh PostgreSQL database, a fresh cluster id and free ports, with the fast failure detection
/// docs/deployment.md measured. Throws Xunit's skip when AGENTCHANNEL_TEST_POSTGRES is not set.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    public const string OperatorToken = "cluster-operator-token";

    private readonly PostgresTestDatabase _database;
    private readonly List<ClusterProcess> _processes = [];

    private ProcessCluster(PostgresTestDatabase database) => _database = database;

    public ClusterProcess SiloA => Silos[0];
    public ClusterProcess SiloB => Silos[1];

    public IReadOnlyList<ClusterProcess> Silos { get; private set; } = [];
    public ClusterProcess Gateway1 { get; private set; } = null!;
    public ClusterProcess Gateway2 { get; private set; } = null!;

    /// <param name="settings">Settings over the defaults, for every process.</param>
    /// <param name="silos">How many silo processes (at least two).</param>
    public static async Task<ProcessCluster> StartAsync(IReadOnlyDictionary<string, string>? settings = null, int silos = 2)
    {
        var cluster = new ProcessCluster(await PostgresTestDatabase.Create());
        try
        {
            var environment = Settings(cluster._database.ConnectionString);
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }
            cluster.Silos = [.. Enumerable.Range(0, Math.Max(silos, 2)).Select(index =>
                cluster.Track(ClusterProcess.Silo($"silo {(char)('A' + index)}", environment, ClusterProcess.FreePort(), ClusterProcess.FreePort())))];
            await Task.WhenAll(cluster.Silos.Select(silo => silo.StartAsync()));
            cluster.Gateway1 = cluster.Track(ClusterProcess.Gateway("gateway 1", environment, ClusterProcess.FreePort()));
            cluster.Gateway2 = cluster.Track(ClusterProcess.Gateway("gateway 2", environment, ClusterProcess.FreePort()));
            await Task.WhenAll(cluster.Gateway1.StartAsync(), cluster.Gateway2.StartAsync());
            return cluster;
        }
        catch
        {
            cluster.Report();
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Gateways first (they would only retry against silos that are going away), then silos, then the database.
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }
        await _database.DisposeAsync();
    }

    /// <summary>Shows what the processes printed when the test fails (never swallows the failure).</summary>
    public bool Report()
    {
        foreach (var process in _processes)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(process.Output);
        }
        return false;
    }

    private static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["AgentChannel__Storage__Provider"] = "PostgreSQL",
        ["AgentChannel__Storage__PostgresConnectionString"] = connectionString,
        ["AgentChannel__Storage__PostgresMaxConnections"] = "8",
        ["AgentChannel__Silo__ClusterId"] = $"process-test-{Guid.NewGuid():N}",
        ["AgentChannel__Silo__ServiceId"] = "process-test",
        ["AgentChannel__Silo__AdvertisedAddress"] = "127.0.0.1",
        // The fast failure detection of docs/measurements.md: a killed silo is declared dead in about a second.
        ["AgentChannel__Membership__ProbeTimeout"] = "00:00:01",
        ["AgentChannel__Membership__NumMissedProbesLimit"] = "2",
        ["AgentChannel__Membership__NumVotesForDeathDeclaration"] = "1",
        ["AgentChannel__Membership__TableRefreshTimeout"] = "00:00:02",
        ["AgentChannel__Membership__IAmAliveTablePublishTimeout"] = "00:00:02",
        ["AgentChannel__Messaging__ResponseTimeout"] = "00:00:05",
        ["AgentChannel__Client__ResponseTimeoutSeconds"] = "5",
        ["AgentChannel__Client__GatewayListRefreshSeconds"] = "2",
        ["AgentChannel__OperatorToken"] = OperatorToken,
        ["AgentChannel__Tasks__DispatchIntervalMilliseconds"] = "100",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private ClusterProcess Track(ClusterProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
