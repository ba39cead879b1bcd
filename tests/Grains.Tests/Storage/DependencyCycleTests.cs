using Microsoft.Extensions.Configuration;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Tasks;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// A dependency update that would close a cycle is refused, however long the way round, by one query on each engine's
/// task index; a diamond (two ways to one task) is no cycle.
/// </summary>
public abstract class DependencyCycleTests : IAsyncLifetime
{
    protected abstract Task<IReadOnlyDictionary<string, string?>> StorageSettings();

    protected abstract ValueTask DisposeStorage();

    private InProcessTestCluster _cluster = null!;
    private Caller _creator = Caller.Operator;

    private IGrainFactory Grains => _cluster.Client;

    public async ValueTask InitializeAsync()
    {
        var settings = await StorageSettings();
        var builder = new InProcessTestClusterBuilder(1).ClientActsAsFrontEnd();
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((_, silo) => silo.AddAgentChannel(silo.Configuration));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        var name = $"planner-{Guid.NewGuid():N}"[..16];
        _creator = Caller.Agent((await Grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "llm", [], null), null)).Agent.Name);
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        await DisposeStorage();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_dependency_back_to_the_start_of_a_chain_is_refused_and_a_diamond_is_not()
    {
        var a = await Create("A");
        var b = await Create("B", a);
        var c = await Create("C", a);
        var d = await Create("D", b, c);

        var refused = await Should.ThrowAsync<AgentChannelException>(() => TaskGrainOf(a).Update(_creator, new TaskUpdate(DependsOn: [d])));
        refused.Code.ShouldBe(ErrorKind.Invalid);
        refused.Field.ShouldBe("depends_on");
        (await TaskGrainOf(a).Get()).DependsOn.ShouldBeEmpty("a refused update changes nothing");

        var e = await Create("E");
        var updated = await TaskGrainOf(e).Update(_creator, new TaskUpdate(DependsOn: [d, a, b]));
        updated.DependsOn.Order().ShouldBe(new[] { d, a, b }.Order());
        (await Should.ThrowAsync<AgentChannelException>(() => TaskGrainOf(b).Update(_creator, new TaskUpdate(DependsOn: [a, e]))))
            .Field.ShouldBe("depends_on");
    }

    [Fact]
    public async Task A_cycle_through_a_long_chain_is_found()
    {
        const int length = 600;
        var first = await Create("link 0");
        var last = first;
        for (var link = 1; link < length; link++)
        {
            last = await Create($"link {link}", last);
        }

        (await Should.ThrowAsync<AgentChannelException>(() => TaskGrainOf(first).Update(_creator, new TaskUpdate(DependsOn: [last]))))
            .Field.ShouldBe("depends_on");
        var other = await Create("beside the chain");
        (await TaskGrainOf(other).Update(_creator, new TaskUpdate(DependsOn: [last]))).DependsOn.ShouldBe([last]);
    }

    [Fact]
    public async Task Two_updates_at_once_that_each_close_half_of_a_cycle_at_most_one_passes()
    {
        const int pairs = 40;
        var tasks = new List<(Guid First, Guid Second, Guid Third)>();
        for (var pair = 0; pair < pairs; pair++)
        {
            var first = await Create($"first {pair}");
            tasks.Add((first, await Create($"second {pair}"), await Create($"third {pair}", first)));
        }

        // third → first is stored; first → second and second → third, sent together, would each close the cycle
        // with the other stored.
        var outcomes = await Task.WhenAll(tasks.SelectMany(pair => new[]
        {
            Outcome(TaskGrainOf(pair.First).Update(_creator, new TaskUpdate(DependsOn: [pair.Second]))),
            Outcome(TaskGrainOf(pair.Second).Update(_creator, new TaskUpdate(DependsOn: [pair.Third]))),
        }));

        outcomes.ShouldAllBe(outcome => outcome == null || outcome == "depends_on");
        foreach (var (first, second, third) in tasks)
        {
            var firstWaitsForSecond = (await TaskGrainOf(first).Get()).DependsOn.Contains(second);
            var secondWaitsForThird = (await TaskGrainOf(second).Get()).DependsOn.Contains(third);
            (firstWaitsForSecond && secondWaitsForThird).ShouldBeFalse($"{first} → {second} → {third} → {first} is a cycle");
            (firstWaitsForSecond || secondWaitsForThird).ShouldBeTrue("one of the two changes closes no cycle on its own");
        }
    }

    /// <summary>null when the update was stored, the refused field otherwise.</summary>
    private static async Task<string?> Outcome(Task<TaskInfo> update)
    {
        try
        {
            await update;
            return null;
        }
        catch (AgentChannelException refused)
        {
            return refused.Field;
        }
    }

    private ITaskGrain TaskGrainOf(Guid id) => Grains.GetGrain<ITaskGrain>(id);

    /// <summary>A task no agent can take (it needs a capability nobody has), so it stays open for dependency changes.</summary>
    private async Task<Guid> Create(string title, params Guid[] dependsOn)
    {
        var task = await TaskGrainOf(Guid.CreateVersion7()).Create(_creator, new NewTask(title,
            Requirements: Json.RawJson.Parse("""{"capabilities": ["nobody-has-this"]}"""), DependsOn: dependsOn));
        return task.Id;
    }
}

public sealed class SqliteDependencyCycleTests : DependencyCycleTests
{
    private readonly string _path = TempDatabase.NewPath();

    protected override Task<IReadOnlyDictionary<string, string?>> StorageSettings() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(
            new Dictionary<string, string?> { ["AgentChannel:Storage:SqlitePath"] = _path });

    protected override ValueTask DisposeStorage()
    {
        TempDatabase.Delete(_path);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresDependencyCycleTests : DependencyCycleTests
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

    protected override async ValueTask DisposeStorage()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
