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
        using var connection = new SqliteConnection($"Data Source={_path}");
        connection.Open();
        using var command = connection.CreateCommand();
        const string failing = "WHEN NEW.status = 'completed' OR NEW.document LIKE '%doomed%' BEGIN SELECT RAISE(ABORT, 'injected task write failure'); END";
        command.CommandText = fail
            ? $"CREATE TRIGGER fail_task_insert BEFORE INSERT ON tasks {failing}; CREATE TRIGGER fail_task_update BEFORE UPDATE ON tasks {failing};"
            : "DROP TRIGGER fail_task_insert; DROP TRIGGER fail_task_update;";
        command.ExecuteNonQuery();
        return Task.CompletedTask;
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
            ["AgentChannel:Storage:PostgresMaxPoolSize"] = "5",
        };
    }

    protected override async Task FailTaskWrites(bool fail)
    {
        await using var connection = new NpgsqlConnection(_database!.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(fail
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
            : "DROP TRIGGER fail_task_write ON tasks; DROP FUNCTION fail_task_write();", connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    protected override ValueTask DisposeStorage() => _database?.DisposeAsync() ?? ValueTask.CompletedTask;
}
