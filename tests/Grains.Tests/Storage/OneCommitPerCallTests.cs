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
/// A task call's state and the row lists read are one write: when it fails (a trigger refuses it, on purpose) the
/// call is refused whole, nothing of it shows in the task, the lists or after a reactivation, and a retry succeeds.
/// </summary>
public abstract class OneCommitPerCallTests : IAsyncLifetime
{
    /// <summary>Completing any task, or storing one whose title says "doomed", fails while the trigger is in place.</summary>
    protected abstract Task FailTaskWrites(bool fail);

    /// <summary>Storing a task:assigned in any inbox fails while the trigger is in place.</summary>
    protected abstract Task FailAssignedEvents(bool fail);

    protected abstract Task<IReadOnlyDictionary<string, string?>> StorageSettings();

    private InProcessTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Client;

    public async ValueTask InitializeAsync()
    {
        var settings = await StorageSettings();
        var builder = new InProcessTestClusterBuilder(1).ClientActsAsFrontEnd();
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((_, silo) => silo.AddAgentChannel(silo.Configuration));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        await DisposeStorage();
        GC.SuppressFinalize(this);
    }

    protected abstract ValueTask DisposeStorage();

    [Fact]
    public async Task A_completion_whose_write_fails_is_refused_whole_and_the_retry_succeeds()
    {
        var worker = await Register("worker");
        var task = Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7());
        await task.Create(Caller.Operator, new NewTask("survives", AssignTo: worker));

        await FailTaskWrites(true);
        await Should.ThrowAsync<Exception>(() => task.Complete(Caller.Agent(worker), RawJson.Parse("""{"done":true}""")));

        await ShowsEverywhere(task, AgentTaskStatus.Assigned);
        await Reactivate();
        await ShowsEverywhere(task, AgentTaskStatus.Assigned);

        await FailTaskWrites(false);
        (await task.Complete(Caller.Agent(worker), RawJson.Parse("""{"done":true}"""))).Status.ShouldBe(AgentTaskStatus.Completed);
        await Reactivate();
        await ShowsEverywhere(task, AgentTaskStatus.Completed);
    }

    [Fact]
    public async Task A_creation_whose_write_fails_leaves_no_task_and_the_retry_creates_it()
    {
        var id = Guid.CreateVersion7();
        var task = Grains.GetGrain<ITaskGrain>(id);

        await FailTaskWrites(true);
        await Should.ThrowAsync<Exception>(() => task.Create(Caller.Operator, new NewTask("doomed at first")));

        (await Should.ThrowAsync<Errors.AgentChannelException>(() => task.Get())).Code.ShouldBe(Errors.ErrorKind.NotFound);
        (await Listed()).ShouldNotContain(listed => listed.Id == id);

        await FailTaskWrites(false);
        (await task.Create(Caller.Operator, new NewTask("doomed at first"))).Status.ShouldBe(AgentTaskStatus.Pending);
        await Reactivate();
        await ShowsEverywhere(task, AgentTaskStatus.Pending);
    }

    [Fact]
    public async Task An_assignment_whose_task_assigned_cannot_be_stored_is_delivered_later_once_even_across_a_reactivation()
    {
        var worker = await Register("worker");
        // Busy: the engine offers the waiting task to nobody, so only the assignment below gives it out.
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(worker)).SetStatus(Caller.Agent(worker), AgentStatus.Busy);
        var task = Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7());
        await task.Create(Caller.Operator, new NewTask("owed"));

        await FailAssignedEvents(true);
        // Stored, so answered as stored: the event it owes is kept with it and delivered when it can be.
        (await task.Assign(Caller.Operator, worker)).Status.ShouldBe(AgentTaskStatus.Assigned);
        (await AssignedEvents(worker, task)).ShouldBe(0);

        // As if the silo died: the activation and its retry timer are gone, the owed event is in storage.
        await Reactivate();
        await FailAssignedEvents(false);
        (await task.Get()).Status.ShouldBe(AgentTaskStatus.Assigned);
        await Poll(async () => await AssignedEvents(worker, task) == 1, "the owed task:assigned to reach the worker's inbox");

        // A later activation whose stored state still lists a delivered notice delivers it again: stored once.
        // (The operator's task owed nothing at creation, so its task:assigned is the task's first notice.)
        var inbox = Grains.GetGrain<IAgentGrain>(AgentNames.Key(worker));
        var again = new Events.InboxItem(Events.EventNames.TaskAssigned, RawJson.Serialize(await task.Get(), AgentChannelJson.Options), DeliveryKey: $"task/{task.GetPrimaryKey()}/1");
        await inbox.Deliver([again]);
        await inbox.Deliver([again]);
        (await AssignedEvents(worker, task)).ShouldBe(1);
    }

    private async Task<int> AssignedEvents(string agent, ITaskGrain task)
    {
        var id = task.GetPrimaryKey().ToString();
        var page = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(agent)).ReadInbox(0, 100);
        return page.Events.Count(item => item.Event == Events.EventNames.TaskAssigned && item.Data.Text.Contains(id, StringComparison.Ordinal));
    }

    private static async Task Poll(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private async Task ShowsEverywhere(ITaskGrain task, AgentTaskStatus status)
    {
        var info = await task.Get();
        info.Status.ShouldBe(status);
        (await Listed()).Single(listed => listed.Id == info.Id).Status.ShouldBe(status);
        (await Grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(Status: status, Limit: 500))).Items.ShouldContain(listed => listed.Id == info.Id);
    }

    private async Task<IReadOnlyList<TaskInfo>> Listed() =>
        (await Grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(Limit: 500))).Items;

    /// <summary>Every grain reads its state again from storage on its next call.</summary>
    private Task Reactivate() =>
        Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);

    private async Task<string> Register(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "llm", [$"only-{name}"], null), null);
        return name;
    }
}

public sealed class SqliteOneCommitPerCallTests : OneCommitPerCallTests
{
    private readonly string _path = TempDatabase.NewPath();

    protected override Task<IReadOnlyDictionary<string, string?>> StorageSettings() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["AgentChannel:Storage:SqlitePath"] = _path });

    protected override Task FailTaskWrites(bool fail)
    {
        const string failing = "WHEN NEW.status = 'completed' OR NEW.document LIKE '%doomed%' BEGIN SELECT RAISE(ABORT, 'injected task write failure'); END";
        Execute(fail
            ? $"CREATE TRIGGER fail_task_insert BEFORE INSERT ON tasks {failing}; CREATE TRIGGER fail_task_update BEFORE UPDATE ON tasks {failing};"
            : "DROP TRIGGER fail_task_insert; DROP TRIGGER fail_task_update;");
        return Task.CompletedTask;
    }

    protected override Task FailAssignedEvents(bool fail)
    {
        Execute(fail
            ? "CREATE TRIGGER fail_assigned_event BEFORE INSERT ON inbox WHEN NEW.event = 'task:assigned' BEGIN SELECT RAISE(ABORT, 'injected inbox failure'); END;"
            : "DROP TRIGGER fail_assigned_event;");
        return Task.CompletedTask;
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    protected override ValueTask DisposeStorage()
    {
        TempDatabase.Delete(_path);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresOneCommitPerCallTests : OneCommitPerCallTests
{
    private PostgresTestDatabase? _database;

    protected override async Task<IReadOnlyDictionary<string, string?>> StorageSettings()
    {
        _database = await PostgresTestDatabase.Create();
        return new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:Provider"] = "PostgreSQL",
            ["AgentChannel:Storage:PostgresConnectionString"] = _database.ConnectionString,
            ["AgentChannel:Storage:PostgresMaxConnections"] = "8",
        };
    }

    protected override async Task FailTaskWrites(bool fail)
    {
        await Execute(fail
            ? """
              CREATE FUNCTION fail_task_write() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                  IF NEW.status = 'completed' OR NEW.document LIKE '%doomed%' THEN
                      RAISE EXCEPTION 'injected task write failure';
                  END IF;
                  RETURN NEW;
              END $$;
              CREATE TRIGGER fail_task_write BEFORE INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION fail_task_write();
              """
            : "DROP TRIGGER fail_task_write ON tasks; DROP FUNCTION fail_task_write();");
    }

    protected override async Task FailAssignedEvents(bool fail)
    {
        await Execute(fail
            ? """
              CREATE FUNCTION fail_assigned_event() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                  IF NEW.event = 'task:assigned' THEN
                      RAISE EXCEPTION 'injected inbox failure';
                  END IF;
                  RETURN NEW;
              END $$;
              CREATE TRIGGER fail_assigned_event BEFORE INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION fail_assigned_event();
              """
            : "DROP TRIGGER fail_assigned_event ON inbox; DROP FUNCTION fail_assigned_event();");
    }

    private async Task Execute(string sql)
    {
        await using var connection = new NpgsqlConnection(_database!.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    protected override ValueTask DisposeStorage() => _database?.DisposeAsync() ?? ValueTask.CompletedTask;
}
