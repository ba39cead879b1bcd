using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// Fenced leases through the front doors, on a server of its own with one-second leases on a clock the test moves:
/// the first worker's lease runs out when the test says so, and the second's cannot run out under it on a loaded machine.
/// </summary>
public sealed class FencedLeaseTests
{
    [Fact]
    public async Task A_rest_worker_whose_lease_ran_out_is_refused_with_lease_lost_and_the_websocket_worker_that_got_the_task_completes_it()
    {
        using var database = new TempDatabase();
        var clock = new SetClock(DateTimeOffset.UtcNow);
        await using var server = await AgentChannelServer.StartAsync(database.Path, new Dictionary<string, string?>
        {
            ["AgentChannel:Tasks:LeaseSeconds"] = "1",
            ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "50",
        }, services => services.AddSingleton<TimeProvider>(clock));
        using var anonymous = server.Client();
        var registered = await anonymous.Post("/api/agents/register", new { name = "slow", type = "llm", capabilities = new[] { "crunch" } });
        using var slow = server.Client(registered.Json["token"]!.GetValue<string>());
        using var boss = server.Client(AgentChannelServer.OperatorToken);
        var id = (await boss.Post("/api/tasks", new { title = "crunch", requirements = new { capabilities = new[] { "crunch" } } }))
            .Json["id"]!.GetValue<string>();
        // A REST-only worker: no connection and no heartbeat renews its lease. Busy, so the engine gives the task to someone else next.
        var held = (await slow.Get("/api/events/poll?wait_seconds=30")).Json["events"]!.AsArray()
            .Single(e => e!["event"]!.GetValue<string>() == "task:assigned")!["data"]!;
        held["id"]!.GetValue<string>().ShouldBe(id);
        var slowAssignment = held["assignment_id"]!.GetValue<string>();
        (await slow.Put("/api/agents/slow/status", new { status = "busy" })).Status.ShouldBe(HttpStatusCode.OK);

        await using var fast = await WsClient.Connect(server);
        await fast.Register(new { name = "fast", type = "llm", capabilities = new[] { "crunch" } });
        clock.Now += TimeSpan.FromSeconds(2);
        var handedOver = (await fast.NextPush(p => p["event"]!.GetValue<string>() == "task:assigned"))["data"]!;
        handedOver["id"]!.GetValue<string>().ShouldBe(id);
        handedOver["attempts"]!.GetValue<int>().ShouldBe(1);
        var fastAssignment = handedOver["assignment_id"]!.GetValue<string>();

        (await slow.Post($"/api/tasks/{id}/complete", new { result = "stale", assignment_id = slowAssignment }))
            .ShouldBeProblem(HttpStatusCode.Conflict, "lease_lost", "assignment_id");
        var lost = (await slow.Get("/api/events/poll?wait_seconds=0&limit=1000")).Json["events"]!.AsArray()
            .Single(e => e!["event"]!.GetValue<string>() == "task:lease_lost")!["data"]!;
        lost["assignment_id"]!.GetValue<string>().ShouldBe(slowAssignment);
        lost["reason"]!.GetValue<string>().ShouldBe("lease_expired");

        var done = await fast.Ack("task:complete", new { task_id = id, result = "fresh", assignment_id = fastAssignment });
        done["status"]!.GetValue<string>().ShouldBe("completed");
        done["result"]!.GetValue<string>().ShouldBe("fresh");
        var assignments = (await boss.Get($"/api/tasks/{id}")).Json["assignments"]!.AsArray();
        assignments.Select(a => a!["status"]!.GetValue<string>()).ShouldBe(["released", "completed"]);
    }
}
