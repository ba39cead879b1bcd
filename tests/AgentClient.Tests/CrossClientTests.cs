using System.Text.Json.Nodes;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>A C# agent (Orleans client on the gateway) and a WebSocket agent work together through one server.</summary>
public sealed class CrossClientTests(ClusterFixture cluster)
{
    private TestServer Server => cluster.Server;

    private static string EventOf(JsonNode frame) => frame["event"]!.GetValue<string>();

    [Fact]
    public async Task A_csharp_agent_and_a_websocket_agent_exchange_direct_and_channel_messages()
    {
        var csName = TestServer.Unique("cs");
        var wsName = TestServer.Unique("ws");
        var room = TestServer.Unique("room");
        var (ws, _) = await Server.ConnectWebSocket(wsName);
        await using var _ws = ws;
        await using var agent = await Server.Connect(csName);
        var received = Received.By(agent);
        agent.Start();

        await ws.Ack("message:send", new { content = "hello from the socket", recipients = new[] { csName }, metadata = new { step = 1 } });
        var direct = await received.Next<MessageReceivedEvent>();
        direct.Seq.ShouldBe(1);
        direct.Message.Sender.ShouldBe(wsName);
        direct.Message.Content.ShouldBe("hello from the socket");
        direct.Message.Metadata.Text.ShouldBe("""{"step":1}""");

        var sent = await agent.SendMessageAsync("hello from C#", recipients: [wsName], messageType: "status",
            metadata: new { StepCount = 2 }, cancellationToken: TestContext.Current.CancellationToken);
        sent.Sender.ShouldBe(csName);
        var pushed = await ws.NextPush(frame => EventOf(frame) == "message:received");
        pushed["data"]!["id"]!.GetValue<Guid>().ShouldBe(sent.Id);
        pushed["data"]!["sender"]!.GetValue<string>().ShouldBe(csName);
        pushed["data"]!["content"]!.GetValue<string>().ShouldBe("hello from C#");
        pushed["data"]!["message_type"]!.GetValue<string>().ShouldBe("status");
        pushed["data"]!["metadata"]!["step_count"]!.GetValue<int>().ShouldBe(2);

        (await agent.JoinChannelAsync(room, TestContext.Current.CancellationToken)).Members.ShouldBe([csName]);
        await ws.Ack("channel:join", new { channel = room });
        await ws.Ack("message:send", new { content = "to the room", channel = room });
        var inRoom = await received.Next<MessageReceivedEvent>();
        inRoom.Seq.ShouldBe(2);
        inRoom.Message.Channel.ShouldBe(room);
        inRoom.Message.Sender.ShouldBe(wsName);

        await agent.SendMessageAsync("back to the room", channel: room, cancellationToken: TestContext.Current.CancellationToken);
        var fromRoom = await ws.NextPush(frame => EventOf(frame) == "message:received");
        fromRoom["data"]!["channel"]!.GetValue<string>().ShouldBe(room);
        fromRoom["data"]!["sender"]!.GetValue<string>().ShouldBe(csName);
    }

    [Fact]
    public async Task A_csharp_agent_sends_to_a_capability_and_receives_what_is_sent_to_one_of_its_own()
    {
        var skill = TestServer.Unique("role");
        var csName = TestServer.Unique("cs");
        var wsName = TestServer.Unique("ws");
        var (ws, _) = await Server.ConnectWebSocket(wsName, skill);
        await using var _ws = ws;
        await using var agent = await Server.Connect(csName, skill);
        var received = Received.By(agent);
        agent.Start();
        await using var sender = await Server.Connect(TestServer.Unique("cs-sender"));
        var cancel = TestContext.Current.CancellationToken;

        var toAll = await sender.SendToCapabilityAsync(skill, "to every holder", RoleMode.All, cancellationToken: cancel);

        toAll.Recipients.Order(StringComparer.Ordinal).ShouldBe(new[] { csName, wsName }.Order(StringComparer.Ordinal));
        (toAll.ToCapability, toAll.Mode).ShouldBe((skill, RoleMode.All));
        var mine = await received.Next<MessageReceivedEvent>();
        (mine.Message.Id, mine.Message.ToCapability, mine.Message.Mode).ShouldBe((toAll.Id, skill, RoleMode.All));
        (await ws.NextPush(frame => EventOf(frame) == "message:received"))["data"]!["mode"]!.GetValue<string>().ShouldBe("all");

        var toAny = await sender.SendToCapabilityAsync(skill, "to one holder", cancellationToken: cancel);
        toAny.Mode.ShouldBe(RoleMode.Any);
        toAny.Recipients.ShouldHaveSingleItem().ShouldBeOneOf(csName, wsName);

        (await Should.ThrowAsync<NotFoundException>(() => sender.SendToCapabilityAsync(TestServer.Unique("none"), "x", cancellationToken: cancel)))
            .Message.ShouldContain("capability");
        await Should.ThrowAsync<InvalidRequestException>(() =>
            sender.SendMessageAsync(new MessageDraft("x", [csName], ToCapability: skill), cancel));
    }

    [Fact]
    public async Task Tasks_go_both_ways_between_a_csharp_agent_and_a_websocket_agent()
    {
        var csName = TestServer.Unique("cs");
        var wsName = TestServer.Unique("ws");
        var (ws, _) = await Server.ConnectWebSocket(wsName);
        await using var _ws = ws;
        await using var agent = await Server.Connect(csName);
        // The handler completes what the socket assigns; the enumeration sees what happens to what C# assigned.
        agent.OnTaskAssigned((task, token) => agent.CompleteTaskAsync(task.Id, new { Summary = $"did {task.Title}" }, token));
        var updates = agent.ReadTaskUpdatesAsync(TestContext.Current.CancellationToken).Take(1);

        var assigned = await ws.Ack("task:create", new { title = "Analyze data", priority = 1, assign_to = csName });
        var taskId = assigned["id"]!.GetValue<Guid>();
        var completed = await ws.NextPush(frame => EventOf(frame) == "task:updated");
        completed["data"]!["id"]!.GetValue<Guid>().ShouldBe(taskId);
        completed["data"]!["status"]!.GetValue<string>().ShouldBe("completed");
        completed["data"]!["result"]!["summary"]!.GetValue<string>().ShouldBe("did Analyze data");

        var review = await agent.CreateTaskAsync("Review results", "Check the analysis", priority: 2, assignTo: wsName,
            cancellationToken: TestContext.Current.CancellationToken);
        review.Creator.ShouldBe(csName);
        review.Status.ShouldBe(AgentTaskStatus.Assigned);
        var toSocket = await ws.NextPush(frame => EventOf(frame) == "task:assigned");
        toSocket["data"]!["id"]!.GetValue<Guid>().ShouldBe(review.Id);
        await ws.Ack("task:complete", new { task_id = review.Id, result = new { approved = true } });

        var update = (await updates).ShouldHaveSingleItem();
        update.Id.ShouldBe(review.Id);
        update.Status.ShouldBe(AgentTaskStatus.Completed);
        update.Result!.Value.Text.ShouldBe("""{"approved":true}""");
    }

    [Fact]
    public async Task A_busy_agent_claims_the_waiting_task_it_is_capable_of_and_hears_of_it_as_assigned()
    {
        var capability = TestServer.Unique("cap");
        var (ws, _) = await Server.ConnectWebSocket(TestServer.Unique("ws"));
        await using var _ws = ws;
        await using var agent = await Server.Connect(TestServer.Unique("cs"), capability);
        var received = Received.By(agent);
        agent.Start();
        // Busy: the assignment engine offers tasks only to online agents, so this task waits for a claim.
        (await agent.HeartbeatAsync(AgentStatus.Busy, TestContext.Current.CancellationToken)).Status.ShouldBe(AgentStatus.Busy);

        var created = await ws.Ack("task:create", new { title = "Needs the capability", requirements = new { capabilities = new[] { capability } } });
        created["status"]!.GetValue<string>().ShouldBe("pending");

        var claimed = await agent.ClaimTaskAsync(TestContext.Current.CancellationToken);
        claimed.ShouldNotBeNull();
        claimed.Id.ShouldBe(created["id"]!.GetValue<Guid>());
        claimed.AssignedTo.ShouldBe(agent.Name);
        (await agent.ClaimTaskAsync(TestContext.Current.CancellationToken)).ShouldBeNull();
        (await received.Next<TaskAssignedEvent>()).Task.Id.ShouldBe(claimed.Id);
    }

    [Fact]
    public async Task The_sample_task_worker_completes_tasks_that_need_its_capability()
    {
        var capability = TestServer.Unique("sum");
        var (ws, _) = await Server.ConnectWebSocket(TestServer.Unique("ws"));
        await using var _ws = ws;
        // Created before the worker exists: nobody can take them until it claims them or the engine offers them.
        var waiting = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var task = await ws.Ack("task:create", new { title = $"Summarize {i}", requirements = new { capabilities = new[] { capability } } });
            waiting.Add(task["id"]!.GetValue<Guid>());
        }

        await using var agent = await Server.Connect(TestServer.Unique("worker"), capability);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var worker = new Samples.TaskWorker(agent, capability, Microsoft.Extensions.Logging.Abstractions.NullLogger<Samples.TaskWorker>.Instance)
        {
            ClaimInterval = TimeSpan.FromMilliseconds(200),
        };
        var running = worker.RunAsync(stop.Token);
        var later = await ws.Ack("task:create", new { title = "Summarize live", requirements = new { capabilities = new[] { capability } } });
        waiting.Add(later["id"]!.GetValue<Guid>());

        // The creator hears of each task twice: when it is assigned (engine or claim), then when it is completed.
        var completed = new List<JsonNode>();
        while (completed.Count < waiting.Count)
        {
            completed.Add(await ws.NextPush(frame => EventOf(frame) == "task:updated" && frame["data"]!["status"]!.GetValue<string>() == "completed"));
        }
        completed.Select(frame => frame["data"]!["id"]!.GetValue<Guid>()).ShouldBe(waiting, ignoreOrder: true);
        completed.ShouldAllBe(frame => frame["data"]!["result"]!["handled_by"]!.GetValue<string>() == agent.Name);
        await stop.CancelAsync();
        await running;
    }
}
