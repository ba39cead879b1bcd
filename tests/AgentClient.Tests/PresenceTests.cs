using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>
/// Presence and heartbeats on a server of its own, with a 1 s presence timeout and 1 s task leases on a clock the test
/// moves, so only the test decides when a timeout has gone by (a loaded machine stalling a beat for a second does not).
/// </summary>
public sealed class PresenceTests
{
    private static string EventOf(JsonNode frame) => frame["event"]!.GetValue<string>();

    private static string NameIn(JsonNode frame) => frame["data"]!["name"]!.GetValue<string>();

    [Fact]
    public async Task A_running_agent_stays_present_and_keeps_its_task_and_disposing_it_takes_it_offline()
    {
        var timeout = TimeSpan.FromSeconds(1);
        var clock = new SetClock(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["AgentChannel:Presence:OfflineAfterSeconds"] = timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentChannel:Tasks:LeaseSeconds"] = timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, services => services.AddSingleton<TimeProvider>(clock));
        using var http = server.Operator();
        var time = new PresenceSteps(clock, http, timeout);

        var (observer, _) = await server.ConnectWebSocket("observer");
        await using var _observer = observer;
        var options = server.Options("csharp");
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(250);
        var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        try
        {
            // Handlers run in the order they were added: these have run by the time Received sees the event.
            var presence = new System.Collections.Concurrent.ConcurrentQueue<string>();
            agent.OnAgentJoined(joined =>
            {
                presence.Enqueue($"joined {joined.Name}");
                return Task.CompletedTask;
            });
            agent.OnAgentLeft(gone =>
            {
                presence.Enqueue($"left {gone.Name}");
                return Task.CompletedTask;
            });
            var received = Received.By(agent);
            agent.Start();
            NameIn(await observer.NextPush(frame => EventOf(frame) == "agent:joined")).ShouldBe("csharp");
            var task = await observer.Ack("task:create", new { title = "Hold me", assign_to = "csharp" });
            (await received.Next<TaskAssignedEvent>()).Task.Id.ShouldBe(task["id"]!.GetValue<Guid>());

            // Three presence timeouts and three leases go by (five steps) with nothing but the running client (beating
            // every 250 ms) to keep them.
            var taskPath = $"/api/tasks/{task["id"]}";
            for (var step = 0; step < 5; step++)
            {
                await time.Step(["csharp", "observer"],
                    async now => (await http.Get(taskPath)).Json["lease_expires_at"]!.GetValue<DateTimeOffset>() >= now + timeout);
            }
            var held = (await http.Get(taskPath)).Json;
            held["status"]!.GetValue<string>().ShouldBe("assigned");
            held["assigned_to"]!.GetValue<string>().ShouldBe("csharp");
            // Not taken back and handed out again (the engine could give it to the same agent): one assignment, no retry.
            held["attempts"]!.GetValue<int>().ShouldBe(0);
            held["assignments"]!.AsArray().Count.ShouldBe(1);
            observer.Drain().ShouldNotContain(frame => EventOf(frame) == "agent:left");

            // Presence of others reaches the C# agent; its own does not.
            var (other, _) = await server.ConnectWebSocket("other");
            (await received.Next<AgentJoinedEvent>()).Agent.Name.ShouldBe("other");
            other.Abort();
            await other.DisposeAsync();
            await time.UntilOffline("other", ["csharp", "observer"]);
            (await received.Next<AgentLeftEvent>()).Agent.Name.ShouldBe("other");
            presence.ShouldNotContain(change => change.EndsWith(" csharp", StringComparison.Ordinal));
            // (A change within the batch interval before it connected, such as the observer's join, may come too.)
            presence.Where(change => change.EndsWith(" other", StringComparison.Ordinal)).ShouldBe(["joined other", "left other"]);
        }
        finally
        {
            await agent.DisposeAsync();
        }

        await time.UntilOffline("csharp", ["observer"]);
        var left = await observer.NextPush(frame => EventOf(frame) == "agent:left" && NameIn(frame) == "csharp");
        left["data"]!["status"]!.GetValue<string>().ShouldBe("offline");
    }
}
