using System.Net;
using Orleans.AgentChannel.Client;

namespace Orleans.AgentChannel.Bench.Realtime;

public static partial class RealtimeScenarios
{
    /// <summary>
    /// <c>direct</c> through the C# <see cref="AgentClient"/>: the agents join the cluster as Orleans clients (sharing
    /// one Orleans client connection to the silo's gateway, as agents in one program would) instead of WebSockets.
    /// </summary>
    public static async Task ClientDirect(string[] args)
    {
        await WarmUpProcess();
        // The process warm-up drives WebSockets; the C# client's path (its serializers, the Orleans client, the
        // gateway) tiers up only once driven, so a throwaway round of this scenario comes first.
        await ClientDirectRate(20, TimeSpan.Zero, ProcessWarmUp);
        var counts = Arguments.List(args, 0, [10, 100]);
        var measure = TimeSpan.FromSeconds(Arguments.Number(args, 1, (int)Measure.TotalSeconds));
        Console.WriteLine("| connected C# agents | delivered msgs/s | latency p50 / p95 / p99 ms |");
        Console.WriteLine("|---:|---:|---:|");
        foreach (var count in counts)
        {
            var (rate, latencies) = await ClientDirectRate(count, WarmUp, measure);
            Console.WriteLine($"| {count:N0} | {rate:N0} | {latencies.Format()} |");
        }
    }

    /// <summary>A fresh server, <paramref name="count"/> C# agents each sending to the next, measured after <paramref name="warmUp"/>.</summary>
    private static async Task<(double Rate, Latencies Latencies)> ClientDirectRate(int count, TimeSpan warmUp, TimeSpan measure)
    {
        await using var server = await BenchServer.Start();
        var latencies = new Latencies();
        var delivered = 0L;
        var measuring = false;
        var agents = new AgentClient[count];
        async Task<AgentClient> Connect(int index, IClusterClient? cluster)
        {
            var agent = await AgentClient.ConnectAsync(new AgentClientOptions
            {
                Name = $"cs-{index}",
                Gateways = [new IPEndPoint(IPAddress.Loopback, server.GatewayPort)],
                ClusterId = server.ClusterId,
                ClusterClient = cluster,
                TokenFile = Path.Combine(server.Directory, "tokens", $"cs-{index}.token"),
                ReceivePresenceEvents = false,
            });
            agent.OnMessage(message =>
            {
                if (Volatile.Read(ref measuring))
                {
                    latencies.Add(Clock.Since(message.Content));
                    Interlocked.Increment(ref delivered);
                }
                return Task.CompletedTask;
            });
            agent.Start();
            return agent;
        }
        // The first agent starts the Orleans client; the others join through it (AgentClientOptions.ClusterClient).
        agents[0] = await Connect(0, null);
        await Parallel.ForEachAsync(Enumerable.Range(1, count - 1), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => agents[i] = await Connect(i, agents[0].ClusterClient));

        var stopAt = Clock.NowMs + (warmUp + measure).TotalMilliseconds;
        var sending = Task.WhenAll(agents.Select((agent, index) =>
        {
            string[] next = [agents[(index + 1) % count].Name];
            return Pipelined(int.MaxValue, Window, _ =>
                Clock.NowMs < stopAt ? agent.SendMessageAsync(Clock.Stamp(), next) : Task.FromCanceled(new CancellationToken(true)));
        }));
        await Task.Delay(warmUp);
        var started = Clock.NowMs;
        Volatile.Write(ref measuring, true);
        await Task.Delay(measure);
        Volatile.Write(ref measuring, false);
        var rate = Interlocked.Read(ref delivered) / ((Clock.NowMs - started) / 1000);
        await sending;
        // The first one last: it owns the Orleans client the others use.
        foreach (var agent in agents.Reverse())
        {
            await agent.DisposeAsync();
        }
        return (rate, latencies);
    }
}
