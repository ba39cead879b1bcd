using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Storage.Postgres;
using Orleans.AgentChannel.Tasks;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// A silo holds at most its connection budget, however many writes arrive at once: a burst waits for connections
/// (the writers batch it) instead of failing, and pg_stat_activity never shows more of its connections.
/// </summary>
public sealed class PostgresConnectionBudgetTests : IAsyncLifetime
{
    private const int Budget = 3;
    private readonly string _applicationName = $"budget-test-{Guid.NewGuid():N}"[..24];
    private PostgresTestDatabase? _database;
    private InProcessTestCluster? _cluster;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresTestDatabase.Create();
        var settings = new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:Provider"] = "PostgreSQL",
            ["AgentChannel:Storage:PostgresConnectionString"] = _database.ConnectionString,
            ["AgentChannel:Storage:PostgresMaxConnections"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentChannel:Storage:PostgresApplicationName"] = _applicationName,
        };
        var builder = new InProcessTestClusterBuilder(1).ClientActsAsFrontEnd();
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((_, silo) => silo.AddAgentChannel(silo.Configuration));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public void The_budget_is_split_without_exceeding_it()
    {
        foreach (var total in new[] { 3, 4, 16, 24, 100 })
        {
            var budget = PostgresConnectionBudget.ForSilo(new StorageOptions { PostgresConnectionString = "Host=x;Database=y", PostgresMaxConnections = total });
            budget.Total.ShouldBe(total);
            budget.Writers.ShouldBeGreaterThan(0);
            budget.Orleans.ShouldBeGreaterThan(0);
            budget.Reads.ShouldBeGreaterThan(0);
        }
    }

    [Fact]
    public async Task A_burst_of_writes_on_a_budget_of_three_connections_waits_and_never_holds_more()
    {
        var grains = _cluster!.Client;
        var cancellation = TestContext.Current.CancellationToken;
        var agents = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var name = $"burst-{i}";
            await grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "llm", [], null), null);
            agents.Add(name);
        }

        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var most = SampleMostConnections(sampling.Token);

        var messages = Enumerable.Range(0, 300).Select(i => grains.GetGrain<IMessagesGrain>(0)
            .Send(Caller.Agent(agents[i % 10]), new MessageDraft($"burst {i}", [agents[(i + 1) % 10]])));
        var memory = Enumerable.Range(0, 100).Select(i => grains.GetGrain<IMemoryGrain>($"burst/{i % 20}")
            .TrySet(Caller.Agent(agents[i % 10]), new MemoryWrite(RawJson.Parse($"{{\"n\":{i}}}"))).OrThrow());
        var tasks = Enumerable.Range(0, 50).Select(i => grains.GetGrain<ITaskGrain>(Guid.CreateVersion7())
            .Create(Caller.Operator, new NewTask($"burst {i}")));
        var lists = Enumerable.Range(0, 50).Select(_ => grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(Limit: 50)));
        await Task.WhenAll(messages.Cast<Task>().Concat(memory).Concat(tasks).Concat(lists));

        await sampling.CancelAsync();
        var held = await most;
        held.ShouldBeGreaterThan(0, "the sampler saw none of the silo's connections: is application_name set?");
        held.ShouldBeLessThanOrEqualTo(Budget);
        (await grains.GetGrain<IMessagesGrain>(0).List(Caller.Operator, new MessageQuery(Limit: 500))).Items.Count.ShouldBe(300);
    }

    /// <summary>The most connections the silo held at once, sampled until cancelled.</summary>
    private async Task<int> SampleMostConnections(CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(_database!.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = @name", connection);
        count.Parameters.AddWithValue("name", _applicationName);
        var most = 0;
        while (!stop.IsCancellationRequested)
        {
            most = Math.Max(most, (int)(long)(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
            try
            {
                await Task.Delay(5, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return Math.Max(most, (int)(long)(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }
}
