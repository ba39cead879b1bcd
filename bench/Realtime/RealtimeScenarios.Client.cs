using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.AgentChannel.Client;
using Orleans.Configuration;

namespace Orleans.AgentChannel.Bench.Realtime;

public static partial class RealtimeScenarios
{
    /// <summary>
    /// <c>direct</c> through the C# <see cref="AgentClient"/>: the agents join the cluster as Orleans clients (sharing
    /// one client connection to the silo's gateway, as agents in one program would) instead of WebSockets.
    /// </summary>
    public static async Task ClientDirect(string[] args)
    {
        await WarmUpProcess();
        var counts = Arguments.List(args, 0, [10, 100]);
        var measure = TimeSpan.FromSeconds(Arguments.Number(args, 1, (int)Measure.TotalSeconds));
        Console.WriteLine("| connected C# agents | delivered msgs/s | latency p50 / p95 / p99 ms |");
        Console.WriteLine("|---:|---:|---:|");
        foreach (var count in counts)
        {
            await using var server = await BenchServer.Start();
            using var clientHost = await StartClusterClient(server);
            var cluster = clientHost.Services.GetRequiredService<IClusterClient>();
            var latencies = new Latencies();
            var delivered = 0L;
            var measuring = false;
            var agents = new AgentClient[count];
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancellation) =>
            {
                var agent = await AgentClient.ConnectAsync(new AgentClientOptions
                {
                    Name = $"cs-{i}",
                    ClusterClient = cluster,
                    TokenFile = Path.Combine(server.Directory, "tokens", $"cs-{i}.token"),
                    ReceivePresenceEvents = false,
                }, cancellation);
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
                agents[i] = agent;
            });

            var stopAt = Clock.NowMs + (WarmUp + measure).TotalMilliseconds;
            var sending = Task.WhenAll(agents.Select((agent, index) =>
            {
                string[] next = [agents[(index + 1) % count].Name];
                return Pipelined(int.MaxValue, Window, _ =>
                    Clock.NowMs < stopAt ? agent.SendMessageAsync(Clock.Stamp(), next) : Task.FromCanceled(new CancellationToken(true)));
            }));
            await Task.Delay(WarmUp);
            var started = Clock.NowMs;
            Volatile.Write(ref measuring, true);
            await Task.Delay(measure);
            Volatile.Write(ref measuring, false);
            var rate = Interlocked.Read(ref delivered) / ((Clock.NowMs - started) / 1000);
            await sending;
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
            await clientHost.StopAsync();
            Console.WriteLine($"| {count:N0} | {rate:N0} | {latencies.Format()} |");
        }
    }

    private static async Task<IHost> StartClusterClient(BenchServer server)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, server.GatewayPort))
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = server.ClusterId;
                options.ServiceId = AgentClientOptions.DefaultClusterId;
            })
            .AddAgentChannelStreams());
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
