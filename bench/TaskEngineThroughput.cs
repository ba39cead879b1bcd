using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Bench;

/// <summary>
/// Is the assignment engine one hot grain? Runs create → assigned → completed cycles with 100 worker agents
/// on a real silo and SQLite file, once with every task needing the same capability (one queue grain) and
/// once spread over ten capability sets (ten queue grains), in the same process. If one queue were the
/// bottleneck, ten would be several times faster.
/// </summary>
public static class TaskEngineThroughput
{
    public static async Task Run(string[] args)
    {
        var tasks = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2000;
        var directory = Path.Combine(Path.GetTempPath(), $"agentchannel-bench-{Guid.NewGuid():N}");
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:SqlitePath"] = Path.Combine(directory, "bench.db"),
            ["AgentChannel:Tasks:MaxActivePerAgent"] = "4",
            ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "20",
            ["Logging:LogLevel:Default"] = "Warning",
            [OperatorToken.Setting] = Realtime.BenchServer.OperatorToken,
        }));
        // The bench drives grains as a front end does: through a client presenting the operator token.
        builder.ConfigureClient(client => client.PresentOperatorToken(Realtime.BenchServer.OperatorToken));
        builder.ConfigureSilo((_, silo) => silo.AddAgentChannel(silo.Configuration));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            // A full round first: with a quarter of one, tiered JIT still took 12-26 % of the CPU during the first measured round.
            await Cycle(cluster.Client, "warm-up", queues: 1, tasks);
            var one = await Cycle(cluster.Client, "one", queues: 1, tasks);
            var ten = await Cycle(cluster.Client, "ten", queues: 10, tasks);
            Console.WriteLine("| queues (capability sets) | tasks | workers | cycles/s (create → assigned → completed) |");
            Console.WriteLine("|---:|---:|---:|---:|");
            Console.WriteLine($"| 1 | {tasks:N0} | 100 | {one:N0} |");
            Console.WriteLine($"| 10 | {tasks:N0} | 100 | {ten:N0} |");
            Console.WriteLine($"ten queues vs one: {ten / one:P0}");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<double> Cycle(IGrainFactory grains, string run, int queues, int tasks)
    {
        var creator = Caller.Agent($"bench-{run}-creator");
        await grains.GetGrain<IAgentGrain>(AgentNames.Key(creator.Name)).Register(new AgentRegistration(creator.Name, "bench", null, null), null);
        var capability = Enumerable.Range(0, queues).Select(q => $"{run}-{q}").ToArray();
        for (var i = 0; i < 100; i++)
        {
            var name = $"bench-{run}-worker{i}";
            await grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "bench", [capability[i % queues]], null), null);
        }
        var directory = grains.GetGrain<ITaskDirectoryGrain>(0);
        var clock = Stopwatch.StartNew();
        var next = 0;
        var creating = Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) <= tasks)
            {
                var requirements = RawJson.Serialize(new { capabilities = new[] { capability[index % queues] } }, AgentChannelJson.Options);
                await grains.GetGrain<ITaskGrain>(Guid.NewGuid()).Create(creator, new NewTask($"t{index}", Requirements: requirements));
            }
        }));
        var completed = 0;
        while (completed < tasks)
        {
            var held = await directory.List(new TaskQuery(Status: AgentTaskStatus.Assigned, Creator: creator.Name, Limit: 500));
            await Task.WhenAll(held.Items.Select(task => grains.GetGrain<ITaskGrain>(task.Id).Complete(Caller.Agent(task.AssignedTo!), null)));
            completed += held.Items.Count;
            if (held.Items.Count == 0)
            {
                await Task.Delay(5);
            }
        }
        await creating;
        return tasks / clock.Elapsed.TotalSeconds;
    }
}
