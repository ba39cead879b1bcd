using System.Globalization;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// Routed events across processes: two silos and two gateways in client mode on PostgreSQL. A gateway serves only its
/// own agents' events, and a memory watcher whose agent grain dies with a silo still learns what changed.
/// Skipped when AGENTCHANNEL_TEST_POSTGRES is not set.
/// </summary>
public sealed class RoutedEventsProcessTests : IAsyncDisposable
{
    private ProcessCluster? _cluster;

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task A_gateway_handles_no_event_of_agents_on_another_and_a_watcher_learns_what_changed_across_a_silo_kill()
    {
        // Connections renew (and find a lost grain) every second.
        _cluster = await ProcessCluster.StartAsync(new Dictionary<string, string> { ["AgentChannel__Presence__OfflineAfterSeconds"] = "3" });
        var (siloA, gatewayA, gatewayB) = (_cluster.SiloA, _cluster.Gateway1, _cluster.Gateway2);
        try
        {
            var run = Guid.NewGuid().ToString("N")[..8];
            var agents = new List<WsClient>();
            for (var i = 0; i < 4; i++)
            {
                var agent = await WsClient.Connect(gatewayA.Address!);
                agents.Add(agent);
                await agent.Register(new { name = $"a{i}-{run}", type = "llm" });
            }
            // On gateway B: an agent that asked for nothing but its inbox, and gets nothing addressed to it.
            await using var idle = await WsClient.Connect(gatewayB.Address!);
            await idle.Register(new { name = $"idle-{run}", type = "llm", presence = false });
            var key = $"routed-{run}/plan";
            await agents[1].Ack("memory:watch", new { prefix = $"routed-{run}/" });

            for (var i = 0; i < 20; i++)
            {
                await agents[0].Ack("message:send", new { content = $"m{i}", recipients = new[] { $"a{1 + (i % 3)}-{run}" } });
            }
            await agents[0].Ack("message:send", new { content = "to all", channel = $"room-{run}" });
            await agents[2].Ack("task:create", new { title = "routed", assign_to = $"a3-{run}" });
            await agents[0].Ack("memory:set", new { key, value = 1 });
            (await agents[1].NextPush(p => p["event"]!.GetValue<string>() == "memory:updated"))["data"]!["value"]!.GetValue<int>().ShouldBe(1);

            (await EventsReceived(gatewayA)).ShouldBeGreaterThan(20);
            (await EventsReceived(gatewayB)).ShouldBe(0, "gateway B serves no agent involved in the traffic");
            idle.Drain().ShouldBeEmpty();

            // Kill a silo: the watcher's agent grain may die with it. What is written meanwhile reaches the watcher
            // live or, once its connection finds the grain had lost it, as a snapshot.
            await siloA.KillAsync();
            long written = 0;
            await Poll.Until(async () =>
            {
                try
                {
                    var answer = await agents[0].Request("memory:set", new { key, value = 2 });
                    if (answer["event"]!.GetValue<string>() == "ack")
                    {
                        written = answer["data"]!["version"]!.GetValue<long>();
                    }
                }
                catch (TimeoutException)
                {
                    // The call went to the dead silo; the next try finds the key's grain again.
                }
                return written > 0;
            }, "a write after the kill is acknowledged", TimeSpan.FromSeconds(60));
            var seen = await agents[1].NextPush(p => p["event"]!.GetValue<string>() == "memory:updated"
                                                     && p["data"]!["version"]!.GetValue<long>() >= written);
            seen["data"]!["value"]!.GetValue<int>().ShouldBe(2);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"after the kill the watcher got version {written} {((seen["data"]!["snapshot"]?.GetValue<bool>() ?? false) ? "as a snapshot" : "live")}");
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
        catch (Exception) when (_cluster.Report())
        {
            throw;
        }
    }

    /// <summary>agentchannel.realtime.events as the gateway's Prometheus endpoint shows it (absent: never counted).</summary>
    private static async Task<long> EventsReceived(ClusterProcess gateway)
    {
        using var http = new HttpClient { BaseAddress = gateway.Address };
        var text = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        var sample = System.Text.RegularExpressions.Regex.Match(text, @"^agentchannel_realtime_events(?:_total)?(?:\{[^}]*\})?\s+(\S+)",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        return sample.Success ? (long)double.Parse(sample.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
