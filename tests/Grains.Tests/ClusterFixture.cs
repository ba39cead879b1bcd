using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.TestingHost;

[assembly: AssemblyFixture(typeof(Orleans.AgentChannel.Grains.Tests.ClusterFixture))]

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>One in-process Orleans cluster for the assembly, its state on a fresh SQLite file.</summary>
public class ClusterFixture : IAsyncLifetime
{
    public string DatabasePath { get; } = TempDatabase.NewPath();

    /// <summary>Settings on top of the defaults, for fixtures that need a faster clock on leases or presence.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    /// <summary>Services the silo takes before the product's own (which only fill what is not there yet).</summary>
    protected virtual void AddServices(IServiceCollection services)
    {
    }

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1).ClientActsAsFrontEnd();
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>(Settings) { ["AgentChannel:Storage:SqlitePath"] = DatabasePath }));
        builder.ConfigureSilo((_, silo) =>
        {
            AddServices(silo.Services);
            silo.AddAgentChannel(silo.Configuration);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        TempDatabase.Delete(DatabasePath);
        GC.SuppressFinalize(this);
    }

    /// <summary>Registers an agent with a name unique to this test run and returns it with its token.</summary>
    public async Task<(AgentInfo Agent, string Token, Caller Caller)> RegisterAgent(string prefix, params string[] capabilities)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, AgentNames.MaxLength)];
        var registered = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(name))
            .Register(new AgentRegistration(name, "llm", capabilities, null), presentedToken: null);
        return (registered.Agent, registered.Token!, Caller.Agent(registered.Agent.Name));
    }
}

public static class TempDatabase
{
    public static string NewPath() => Path.Combine(Path.GetTempPath(), "agentchannel-tests", $"{Guid.NewGuid():N}", "agentchannel.db");

    /// <summary>Runs SQL on the file from a connection of its own (a trigger installed or dropped on purpose).</summary>
    public static void Execute(string path, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static void Delete(string path)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var directory = Path.GetDirectoryName(path)!;
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
