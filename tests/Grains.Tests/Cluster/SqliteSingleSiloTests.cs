using Microsoft.Extensions.Configuration;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests.Cluster;

/// <summary>
/// A SQLite silo holds its service's whole state in its own file, which no other silo can read: clustering set up
/// in code (here the test cluster's) must not make a second one join it.
/// </summary>
public sealed class SqliteSingleSiloTests : IAsyncLifetime
{
    private readonly string _path = TempDatabase.NewPath();
    private InProcessTestCluster _cluster = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        // A file per silo, so the data directory's lock is not what stops the second one.
        builder.ConfigureSiloHost((silo, host) => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:SqlitePath"] = Path.Combine(Path.GetDirectoryName(_path)!, silo.SiloName, "agentchannel.db"),
        }));
        builder.ConfigureSilo((_, silo) => silo.AddAgentChannel(silo.Configuration));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        TempDatabase.Delete(_path);
    }

    [Fact]
    public async Task A_second_sqlite_silo_refuses_to_join_and_the_first_keeps_serving()
    {
        var refused = await Should.ThrowAsync<Exception>(() => _cluster.StartAdditionalSiloAsync());

        StartupRefusedException.Explain(refused).ShouldNotBeNull(refused.ToString());
        refused.Message.ShouldContain("AgentChannel:Storage:Provider is Sqlite");
        refused.Message.ShouldContain("Several silos need AgentChannel:Storage:Provider=PostgreSQL");
        _cluster.GetActiveSilos().Count().ShouldBe(1);
        var agent = _cluster.Client.GetGrain<IAgentGrain>("single-silo-agent");
        (await agent.Register(new AgentRegistration("single-silo-agent", "llm", null, null), null)).Created.ShouldBeTrue();
    }
}
