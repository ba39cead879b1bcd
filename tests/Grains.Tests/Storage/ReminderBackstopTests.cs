using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// Reminders are the backstop for work whose clock lives in a grain's memory. Here the server stops while an agent
/// is marked present and holds a task; after the start nothing calls that agent or its task (the start only restores
/// the queues of waiting tasks), so only their reminders can bring them back: the agent goes offline and its task
/// returns to the queue. Observed through the listings, which read the tables and activate nothing.
/// </summary>
public abstract class ReminderBackstopTests : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    /// <summary>Reminders belong to a service: the server started again is the same service.</summary>
    private readonly string _serviceId = Guid.NewGuid().ToString("N");

    protected abstract Task<IReadOnlyDictionary<string, string?>> StorageSettings();

    /// <summary>Rows in the engine's reminder table.</summary>
    protected abstract Task<long> ReminderCount();

    protected abstract ValueTask DisposeStorage();

    private IGrainFactory Grains => _cluster!.Client;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await Stop();
        await DisposeStorage();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task An_agent_marked_present_when_the_server_stopped_goes_offline_after_the_start_and_its_task_returns_to_the_queue()
    {
        // Long enough for the task to be assigned before the silent holder times out.
        await Start(offlineAfterSeconds: 5);
        var skill = $"skill-{Guid.NewGuid():N}";
        var holder = $"holder-{Guid.NewGuid():N}"[..20];
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(holder)).Register(new AgentRegistration(holder, "llm", [skill], null), null);
        var task = await Grains.GetGrain<ITaskGrain>(Guid.NewGuid()).Create(Caller.Operator, new NewTask("held", Requirements: Needs(skill)));
        await Poll(async () => (await Listed(task.Id)).AssignedTo == holder, "the task to be assigned to the holder");
        // Progress from the holder is a change that owes no inbox event, so the start has no notice to deliver to the
        // holder's inbox (which would wake its grain): its reminder is the only way back.
        await Grains.GetGrain<ITaskGrain>(task.Id).Update(Caller.Agent(holder), new TaskUpdate(Status: AgentTaskStatus.InProgress));
        await Poll(async () => await ReminderCount() == 2, "the present agent and the open task each to hold a reminder");

        await Stop();
        await Start(offlineAfterSeconds: 1);

        await Poll(async () => (await ListedAgent(holder)).Status == AgentStatus.Offline, "the holder to go offline");
        TaskInfo? back = null;
        await Poll(async () => (back = await Listed(task.Id)).Status == AgentTaskStatus.Pending, () => $"the task to be taken back (it is {back?.Status})");
        back!.StatusReason.ShouldNotBeNull().ShouldContain("went offline");
        long left = -1;
        await Poll(async () => (left = await ReminderCount()) == 1, () => $"the offline agent to let its reminder go (the waiting task keeps its own); {left} left");
    }

    [Fact]
    public async Task A_task_lets_its_reminder_go_when_it_closes()
    {
        await Start(offlineAfterSeconds: 60);
        var worker = $"worker-{Guid.NewGuid():N}"[..20];
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(worker)).Register(new AgentRegistration(worker, "llm", [], null), null);
        var created = await Grains.GetGrain<ITaskGrain>(Guid.NewGuid()).Create(Caller.Operator, new NewTask("short", AssignTo: worker));
        await Poll(async () => await ReminderCount() == 2, "the present agent and the open task each to hold a reminder");

        await Grains.GetGrain<ITaskGrain>(created.Id).Complete(Caller.Agent(worker), null);
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(worker)).SetStatus(Caller.Agent(worker), AgentStatus.Offline);

        long left = -1;
        await Poll(async () => (left = await ReminderCount()) == 0,
            () => $"the closed task that owes nothing and the offline agent to let their reminders go; {left} left");
    }

    private async Task Start(double offlineAfterSeconds)
    {
        var settings = new Dictionary<string, string?>(await StorageSettings())
        {
            ["AgentChannel:Recovery:ReminderSeconds"] = "1",
            ["AgentChannel:Presence:OfflineAfterSeconds"] = offlineAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Far beyond the test: only the agent going offline can take the task back.
            ["AgentChannel:Tasks:LeaseSeconds"] = "600",
            ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "100",
        };
        var builder = new InProcessTestClusterBuilder(1).ClientActsAsFrontEnd();
        builder.Options.ServiceId = _serviceId;
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((_, silo) => silo.AddAgentChannel(silo.Configuration));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    private async Task Stop()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
            _cluster = null;
        }
    }

    private async Task<TaskInfo> Listed(Guid id) =>
        (await Grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(Limit: 500))).Items.Single(task => task.Id == id);

    private async Task<AgentListing> ListedAgent(string name) =>
        (await Grains.GetGrain<IAgentDirectoryGrain>(0).List(new AgentQuery())).Single(agent => agent.Name == name);

    private static RawJson Needs(params string[] capabilities) => RawJson.Serialize(new { capabilities }, AgentChannelJson.Options);

    private static Task Poll(Func<Task<bool>> condition, string what) => Poll(condition, () => what);

    private static async Task Poll(Func<Task<bool>> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what()}.");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}

public sealed class SqliteReminderBackstopTests : ReminderBackstopTests
{
    private readonly string _path = TempDatabase.NewPath();

    protected override Task<IReadOnlyDictionary<string, string?>> StorageSettings() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["AgentChannel:Storage:SqlitePath"] = _path });

    protected override Task<long> ReminderCount()
    {
        using var connection = new SqliteConnection($"Data Source={_path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM reminders";
        return Task.FromResult((long)command.ExecuteScalar()!);
    }

    protected override ValueTask DisposeStorage()
    {
        TempDatabase.Delete(_path);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresReminderBackstopTests : ReminderBackstopTests
{
    private PostgresTestDatabase? _database;

    protected override async Task<IReadOnlyDictionary<string, string?>> StorageSettings()
    {
        _database ??= await PostgresTestDatabase.Create();
        return new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:Provider"] = "PostgreSQL",
            ["AgentChannel:Storage:PostgresConnectionString"] = _database.ConnectionString,
            ["AgentChannel:Storage:PostgresMaxConnections"] = "8",
        };
    }

    protected override async Task<long> ReminderCount()
    {
        await using var connection = new NpgsqlConnection(_database!.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM orleansreminderstable", connection);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    protected override async ValueTask DisposeStorage()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
