using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>Realtime behaviour that needs a server of its own: short presence timeout, restarts, tiny send queues.</summary>
public sealed class RealtimeLifecycleTests
{
    [Fact]
    public async Task Without_heartbeat_or_connection_an_agent_goes_offline_with_agent_left_and_reconnecting_brings_agent_joined()
    {
        using var database = new TempDatabase();
        var path = database.Path;
        // On a clock the test moves, so a stalled machine cannot take a connected agent offline between renewals.
        var clock = new SetClock(DateTimeOffset.UtcNow);
        await using var server = await AgentChannelServer.StartAsync(path, new Dictionary<string, string?>
        {
            ["AgentChannel:Presence:OfflineAfterSeconds"] = "1",
        }, services => services.AddSingleton<TimeProvider>(clock));
        using var http = server.Client(AgentChannelServer.OperatorToken);
        var time = new PresenceSteps(clock, http, TimeSpan.FromSeconds(1));
        await using var observer = await WsClient.Connect(server);
        await observer.Register(new { name = "observer", type = "llm" });
        await using var quiet = await WsClient.Connect(server);
        var token = (await quiet.Register(new { name = "quiet", type = "llm" }))["token"]!.GetValue<string>();
        (await observer.NextPush(p => p["event"]!.GetValue<string>() == "agent:joined"))["data"]!["name"]!.GetValue<string>().ShouldBe("quiet");

        // Connected but silent stays online for three timeouts (five steps): the open connection counts as presence.
        for (var step = 0; step < 5; step++)
        {
            await time.Step(["observer", "quiet"]);
        }
        (await http.Get("/api/agents/quiet")).Json["status"]!.GetValue<string>().ShouldBe("online");
        observer.Drain().ShouldNotContain(p => p["event"]!.GetValue<string>() == "agent:left");

        quiet.Abort();
        await time.UntilOffline("quiet", ["observer"]);
        var left = await observer.NextPush(p => p["event"]!.GetValue<string>() == "agent:left");
        left["data"]!["name"]!.GetValue<string>().ShouldBe("quiet");
        left["data"]!["status"]!.GetValue<string>().ShouldBe("offline");
        (await http.Get("/api/agents/quiet")).Json["status"]!.GetValue<string>().ShouldBe("offline");

        await using var back = await WsClient.Connect(server);
        await back.Register(new { token });
        (await observer.NextPush(p => p["event"]!.GetValue<string>() == "agent:joined"))["data"]!["name"]!.GetValue<string>().ShouldBe("quiet");
        (await http.Get("/api/agents/quiet")).Json["status"]!.GetValue<string>().ShouldBe("online");
    }

    [Fact]
    public async Task A_burst_of_joins_reaches_listeners_batched_and_an_agent_that_asked_for_no_presence_gets_none()
    {
        using var database = new TempDatabase();
        await using var server = await AgentChannelServer.StartAsync(database.Path);
        await using var listener = await WsClient.Connect(server);
        await listener.Register(new { name = "listener", type = "llm" });
        await using var deaf = await WsClient.Connect(server);
        await deaf.Register(new { name = "deaf", type = "llm", presence = false });
        (await listener.NextPush(p => p["event"]!.GetValue<string>() == "agent:joined"))["data"]!["name"]!.GetValue<string>().ShouldBe("deaf");
        var before = server.Gateway.EventsReceived;

        var joining = new List<WsClient>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var client = await WsClient.Connect(server);
                joining.Add(client);
                await client.Register(new { name = $"burst-{i}", type = "llm", presence = false });
            }
            var joined = await listener.Collect("agent:joined", 20);
            joined.Select(p => p["data"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal)
                .ShouldBe(Enumerable.Range(0, 20).Select(i => $"burst-{i}").Order(StringComparer.Ordinal));
            // Twenty joins, twenty listener frames, and nothing to the twenty-one connections that asked for none.
            (server.Gateway.EventsReceived - before).ShouldBe(20);

            // The batches went out before the listener had them; a message sent now comes after anything sent to "deaf" then.
            await listener.Ack("message:send", new { content = "barrier", recipients = new[] { "deaf" } });
            (await deaf.NextPush())["event"]!.GetValue<string>().ShouldBe("message:received");
        }
        finally
        {
            foreach (var client in joining)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Heartbeats_keep_a_rest_agent_online_and_their_absence_takes_it_offline()
    {
        using var database = new TempDatabase();
        var path = database.Path;
        // On a clock the test moves, so a stalled machine cannot take the connected agent offline between renewals.
        var clock = new SetClock(DateTimeOffset.UtcNow);
        await using var server = await AgentChannelServer.StartAsync(path, new Dictionary<string, string?>
        {
            ["AgentChannel:Presence:OfflineAfterSeconds"] = "1",
        }, services => services.AddSingleton<TimeProvider>(clock));
        await using var beating = await WsClient.Connect(server);
        await beating.Register(new { name = "beating", type = "llm" });
        using var http = server.Client(AgentChannelServer.OperatorToken);
        (await http.Post("/api/agents/register", new { name = "resty", type = "tool" })).Status.ShouldBe(HttpStatusCode.Created);

        await new PresenceSteps(clock, http, TimeSpan.FromSeconds(1)).UntilOffline("resty", ["beating"]);
        (await http.Get("/api/agents/beating")).Json["status"]!.GetValue<string>().ShouldBe("online");
    }

    [Fact]
    public async Task A_backlog_of_1000_survives_a_host_restart_and_replays_in_order_exactly_once()
    {
        using var database = new TempDatabase();
        var path = database.Path;
        string token;
        await using (var first = await AgentChannelServer.StartAsync(path))
        {
            await using var receiver = await WsClient.Connect(first);
            token = (await receiver.Register(new { name = "restart-rcv", type = "llm" }))["token"]!.GetValue<string>();
            await receiver.DisposeAsync();
            using var anonymous = first.Client();
            var senderToken = (await anonymous.Post("/api/agents/register", new { name = "restart-snd", type = "llm" })).Json["token"]!.GetValue<string>();
            using var sender = first.Client(senderToken);
            for (var i = 0; i < 1000; i++)
            {
                (await sender.Post("/api/messages", new { content = $"m{i}", recipients = new[] { "restart-rcv" } })).Status.ShouldBe(HttpStatusCode.Created);
            }
        }

        await using var second = await AgentChannelServer.StartAsync(path);
        await using (var back = await WsClient.Connect(second))
        {
            (await back.Register(new { token }))["inbox"]!["last_seq"]!.GetValue<long>().ShouldBe(1000);
            var received = await back.Collect("message:received", 1000);
            received.Select(p => p["seq"]!.GetValue<long>()).ShouldBe(Enumerable.Range(1, 1000).Select(i => (long)i));
            received.Select(p => p["data"]!["content"]!.GetValue<string>()).ShouldBe(Enumerable.Range(0, 1000).Select(i => $"m{i}"));
            await back.Ack("inbox:ack", new { seq = 1000 });
        }
        await using var again = await WsClient.Connect(second);
        (await again.Register(new { token }))["replay_from"]!.GetValue<long>().ShouldBe(1000);
        await again.Ack("agent:heartbeat");
        again.Drain().ShouldNotContain(p => p["event"]!.GetValue<string>() == "message:received");
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_disconnected_without_stalling_others_and_resumes_from_its_ack()
    {
        using var database = new TempDatabase();
        var path = database.Path;
        await using var server = await AgentChannelServer.StartAsync(path, new Dictionary<string, string?>
        {
            ["AgentChannel:Realtime:SendQueueCapacity"] = "8",
            ["AgentChannel:Realtime:SendTimeoutSeconds"] = "2",
        });
        await using var stalled = await WsClient.Connect(server, paused: true);
        var token = (await stalled.RegisterWithoutReading(new { name = "slow", type = "llm" }));
        await using var lively = await WsClient.Connect(server);
        await lively.Register(new { name = "lively", type = "llm" });
        using var anonymous = server.Client();
        var senderToken = (await anonymous.Post("/api/agents/register", new { name = "flooder", type = "llm" })).Json["token"]!.GetValue<string>();
        using var sender = server.Client(senderToken);
        var content = new string('x', 60_000);

        var sent = 0;
        while (server.Gateway.Connections.Any(c => c.AgentName == "slow"))
        {
            (sent < 2000).ShouldBeTrue("the stalled client should have been disconnected by now");
            await sender.Post("/api/messages", new { content, recipients = new[] { "slow", "lively" } });
            sent++;
        }
        (await lively.Collect("message:received", sent)).Count.ShouldBe(sent);
        await Poll.Until(() => Task.FromResult(server.Gateway.ObserverCount == server.Gateway.Connections.Count(c => c.AgentName is not null)),
            "the stalled client's inbox observer to go");

        await using var resumed = await WsClient.Connect(server);
        (await resumed.Register(new { token }))["replay_from"]!.GetValue<long>().ShouldBe(0);
        var replayed = await resumed.Collect("message:received", sent);
        replayed.Select(p => p["seq"]!.GetValue<long>()).ShouldBe(Enumerable.Range(1, sent).Select(i => (long)i));
    }

    [Fact]
    public async Task Every_connection_of_an_agent_receives_its_events()
    {
        using var database = new TempDatabase();
        var path = database.Path;
        await using var server = await AgentChannelServer.StartAsync(path);
        await using var first = await WsClient.Connect(server);
        var token = (await first.Register(new { name = "twin", type = "llm" }))["token"]!.GetValue<string>();
        await using var second = await WsClient.Connect(server, token);
        await second.Register(new { });
        await using var sender = await WsClient.Connect(server);
        await sender.Register(new { name = "caller", type = "llm" });

        await sender.Ack("message:send", new { content = "both of you", recipients = new[] { "twin" } });

        (await first.NextPush(p => p["event"]!.GetValue<string>() == "message:received"))["seq"]!.GetValue<long>().ShouldBe(1);
        (await second.NextPush(p => p["event"]!.GetValue<string>() == "message:received"))["seq"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task An_event_stored_while_the_agents_grain_knew_no_connection_arrives_at_the_next_renewal()
    {
        using var database = new TempDatabase();
        var path = database.Path;
        // The connection renews every OfflineAfter / 3: about once a second.
        await using var server = await AgentChannelServer.StartAsync(path, new Dictionary<string, string?>
        {
            ["AgentChannel:Presence:OfflineAfterSeconds"] = "3",
        });
        await using var reader = await WsClient.Connect(server);
        await reader.Register(new { name = "reader", type = "llm" });
        await using var sender = await WsClient.Connect(server);
        await sender.Register(new { name = "writer", type = "llm" });

        // What a grain re-activated elsewhere (its silo died) knows of the connection until the connection renews:
        // nothing, so the event below is stored but pushed to no one, and nothing comes after it to show a gap.
        var connection = server.Gateway.Connections.Single(c => c.AgentName == "reader");
        await server.Services.GetRequiredService<IClusterClient>()
            .GetGrain<IAgentGrain>(AgentNames.Key("reader")).Disconnected(connection.Id);
        await sender.Ack("message:send", new { content = "while forgotten", recipients = new[] { "reader" } });

        var received = await reader.NextPush(p => p["event"]!.GetValue<string>() == "message:received");
        (received["seq"]!.GetValue<long>(), received["data"]!["content"]!.GetValue<string>()).ShouldBe((1, "while forgotten"));
    }

    [Fact]
    public async Task An_agent_left_online_by_a_stopped_host_goes_offline_after_restart_when_it_does_not_return()
    {
        using var database = new TempDatabase();
        var path = database.Path;
        // The agent's reminder (kept in the file with its period) is what brings it back after the restart.
        var shortReminders = new Dictionary<string, string?> { ["AgentChannel:Recovery:ReminderSeconds"] = "1" };
        var shortPresence = new Dictionary<string, string?>(shortReminders) { ["AgentChannel:Presence:OfflineAfterSeconds"] = "1" };
        await using (var first = await AgentChannelServer.StartAsync(path, shortReminders))
        {
            await using var client = await WsClient.Connect(first);
            await client.Register(new { name = "vanished", type = "llm" });
            using var http = first.Client(AgentChannelServer.OperatorToken);
            (await http.Get("/api/agents/vanished")).Json["status"]!.GetValue<string>().ShouldBe("online");
        }

        await using var second = await AgentChannelServer.StartAsync(path, shortPresence);
        using var operatorClient = second.Client(AgentChannelServer.OperatorToken);
        await Poll.Until(async () => (await operatorClient.Get("/api/agents?status=offline")).Json["items"]!.AsArray()
                .Any(a => a!["name"]!.GetValue<string>() == "vanished"),
            "the agent that never came back to be listed offline");
    }

    [Fact]
    public async Task Killing_an_agents_connection_mid_task_hands_its_task_to_another_agent_who_completes_it()
    {
        using var database = new TempDatabase();
        // On a clock the test moves, so a stalled machine cannot take a connected agent offline between renewals.
        var clock = new SetClock(DateTimeOffset.UtcNow);
        await using var server = await AgentChannelServer.StartAsync(database.Path, new Dictionary<string, string?>
        {
            // Presence notices the dead connection well before the lease would: the task leaves with the agent.
            ["AgentChannel:Presence:OfflineAfterSeconds"] = "1",
            ["AgentChannel:Tasks:LeaseSeconds"] = "30",
            ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "50",
        }, services => services.AddSingleton<TimeProvider>(clock));
        await using var boss = await WsClient.Connect(server);
        await boss.Register(new { name = "boss", type = "llm" });
        await using var doomed = await WsClient.Connect(server);
        await doomed.Register(new { name = "doomed", type = "llm", capabilities = new[] { "crunch" } });

        var task = await boss.Ack("task:create", new { title = "crunch numbers", requirements = new { capabilities = new[] { "crunch" } } });
        var taskId = task["id"]!.GetValue<string>();
        (await doomed.NextPush(p => p["event"]!.GetValue<string>() == "task:assigned"))["data"]!["id"]!.GetValue<string>().ShouldBe(taskId);
        await doomed.Ack("task:update", new { task_id = taskId, status = "in_progress" });
        doomed.Abort();

        await using var rescuer = await WsClient.Connect(server);
        await rescuer.Register(new { name = "rescuer", type = "llm", capabilities = new[] { "crunch" } });
        using var http = server.Client(AgentChannelServer.OperatorToken);
        await new PresenceSteps(clock, http, TimeSpan.FromSeconds(1)).UntilOffline("doomed", ["boss", "rescuer"]);
        var handedOver = await rescuer.NextPush(p => p["event"]!.GetValue<string>() == "task:assigned");
        handedOver["data"]!["id"]!.GetValue<string>().ShouldBe(taskId);
        handedOver["data"]!["attempts"]!.GetValue<int>().ShouldBe(1);
        var done = await rescuer.Ack("task:complete", new { task_id = taskId, result = "42" });
        done["status"]!.GetValue<string>().ShouldBe("completed");

        var stored = await http.Get($"/api/tasks/{taskId}");
        var assignments = stored.Json["assignments"]!.AsArray();
        assignments.Select(a => a!["agent"]!.GetValue<string>()).ShouldBe(["doomed", "rescuer"]);
        assignments.Select(a => a!["status"]!.GetValue<string>()).ShouldBe(["released", "completed"]);
    }

    [Fact]
    public async Task Stopping_the_server_closes_sockets_with_going_away_instead_of_waiting_out_the_shutdown()
    {
        using var database = new TempDatabase();
        var server = await AgentChannelServer.StartAsync(database.Path);
        await using var client = await WsClient.Connect(server);
        await client.Register(new { name = "leaver", type = "llm" });

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();

        await client.Closed.WaitAsync(WsClient.Deadline, TestContext.Current.CancellationToken);
        client.CloseStatus.ShouldBe(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable);
        stopping.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20), "the host's default shutdown timeout is 30 s");
    }
}
