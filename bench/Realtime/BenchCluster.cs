using System.Diagnostics;
using Npgsql;

namespace Orleans.AgentChannel.Bench.Realtime;

/// <summary>
/// The scale-out deployment as processes: N <c>Silo</c> processes and two client-mode <c>WebFrontend</c> gateways on
/// a fresh PostgreSQL database (dropped afterwards), a fresh cluster id, free ports and the fast failure detection
/// docs/deployment.md measured, as tests/Cluster.Tests/ProcessCluster.cs starts them.
/// </summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly string _admin;
    private readonly string _database;
    private readonly List<ProductProcess> _processes = [];

    private BenchCluster(string admin, string database)
    {
        _admin = admin;
        _database = database;
    }

    public IReadOnlyList<ProductProcess> Silos { get; private set; } = [];

    public IReadOnlyList<ProductProcess> Gateways { get; private set; } = [];

    /// <param name="admin">A connection string whose role may create databases.</param>
    public static async Task<BenchCluster> Start(string admin, int silos)
    {
        var cluster = new BenchCluster(admin, $"agentchannel_bench_{Guid.NewGuid():N}");
        await cluster.Admin($"CREATE DATABASE \"{cluster._database}\"");
        try
        {
            var environment = Settings(new NpgsqlConnectionStringBuilder(admin) { Database = cluster._database }.ConnectionString);
            cluster.Silos = [.. Enumerable.Range(0, silos).Select(index => cluster.Track(ProductProcess.Silo($"silo {(char)('A' + index)}", environment)))];
            await Task.WhenAll(cluster.Silos.Select(silo => silo.StartAsync()));
            cluster.Gateways = [.. Enumerable.Range(1, 2).Select(index => cluster.Track(ProductProcess.Gateway($"gateway {index}", environment)))];
            await Task.WhenAll(cluster.Gateways.Select(gateway => gateway.StartAsync()));
            return cluster;
        }
        catch
        {
            foreach (var process in cluster._processes)
            {
                Console.Error.WriteLine(process.Output);
            }
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>CPU time so far of every process that serves the load, the driver (this process) and the whole machine.</summary>
    public async Task<CpuSample> Sample()
    {
        var perProcess = new Dictionary<string, TimeSpan?>();
        foreach (var process in _processes)
        {
            perProcess[process.Name] = process.HasExited ? null : ProcCpu.Of(process.Pid);
        }
        var backends = new Dictionary<int, TimeSpan>();
        foreach (var pid in await Backends())
        {
            if (ProcCpu.Of(pid) is { } cpu)
            {
                backends[pid] = cpu;
            }
        }
        return new CpuSample(perProcess, backends, ProcCpu.Of(Environment.ProcessId)!.Value, ProcCpu.MachineBusy(), Stopwatch.GetTimestamp());
    }

    public async ValueTask DisposeAsync()
    {
        // Gateways first (they would only retry against silos that are going away), then silos, then the database.
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        await Admin($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)");
    }

    /// <summary>The PostgreSQL server processes serving this cluster's database (one per pooled connection).</summary>
    private async Task<List<int>> Backends()
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = @database", connection);
        command.Parameters.AddWithValue("database", _database);
        var pids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }
        return pids;
    }

    private async Task Admin(string sql)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["AgentChannel__Storage__Provider"] = "PostgreSQL",
        ["AgentChannel__Storage__PostgresConnectionString"] = connectionString,
        // The machine's PostgreSQL (max_connections=100) is shared with test runs: 3 silos × 8 stay well inside it.
        ["AgentChannel__Storage__PostgresMaxConnections"] = "8",
        ["AgentChannel__Silo__ClusterId"] = $"bench-{Guid.NewGuid():N}",
        ["AgentChannel__Silo__ServiceId"] = "bench",
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
        ["AgentChannel__OperatorToken"] = BenchServer.OperatorToken,
        // As BenchServer: the generator reads as fast as it can, a burst must not trip the slow-reader guard.
        ["AgentChannel__Realtime__SendQueueCapacity"] = "200000",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private ProductProcess Track(ProductProcess process)
    {
        _processes.Add(process);
        return process;
    }
}

/// <summary>CPU time at one moment: each product process (null once exited), each PostgreSQL backend, the driver, the machine.</summary>
public sealed record CpuSample(
    IReadOnlyDictionary<string, TimeSpan?> Processes,
    IReadOnlyDictionary<int, TimeSpan> Backends,
    TimeSpan Driver,
    TimeSpan MachineBusy,
    long Timestamp)
{
    /// <summary>CPU seconds each part used from <paramref name="before"/> to this sample, in a fixed order.</summary>
    public CpuUse Since(CpuSample before)
    {
        var parts = new List<(string, double)>();
        foreach (var (name, cpu) in Processes)
        {
            parts.Add((name, cpu is { } now && before.Processes[name] is { } then ? (now - then).TotalSeconds : double.NaN));
        }
        // A backend that connected during the window counts whole; one that left during it is lost (pools keep
        // theirs open, so neither happens much after the warm-up).
        var postgres = Backends.Sum(backend => (backend.Value - before.Backends.GetValueOrDefault(backend.Key)).TotalSeconds);
        parts.Add(("PostgreSQL", postgres));
        var driver = (Driver - before.Driver).TotalSeconds;
        parts.Add(("driver", driver));
        var machine = (MachineBusy - before.MachineBusy).TotalSeconds;
        var seconds = Stopwatch.GetElapsedTime(before.Timestamp, Timestamp).TotalSeconds;
        var ours = parts.Where(part => !double.IsNaN(part.Item2)).Sum(part => part.Item2);
        return new CpuUse(parts, seconds, machine, machine - ours);
    }
}

/// <summary>CPU seconds per part over a window of <paramref name="Seconds"/>; <paramref name="Others"/>: the rest of the machine's.</summary>
public sealed record CpuUse(IReadOnlyList<(string Part, double Seconds)> Parts, double Seconds, double Machine, double Others)
{
    public double Of(string part) => Parts.Single(entry => entry.Part == part).Seconds;

    public double Silos => Parts.Where(entry => entry.Part.StartsWith("silo", StringComparison.Ordinal) && !double.IsNaN(entry.Seconds)).Sum(entry => entry.Seconds);

    public double GatewaysTotal => Parts.Where(entry => entry.Part.StartsWith("gateway", StringComparison.Ordinal)).Sum(entry => entry.Seconds);
}
