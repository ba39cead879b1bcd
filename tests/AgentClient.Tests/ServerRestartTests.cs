using System.Net;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.WebFrontend.Tests;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Orleans.Streams;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>A C# agent that keeps running while the server behind its gateway is restarted.</summary>
public sealed class ServerRestartTests
{
    [Fact]
    public async Task A_running_agent_reconnects_after_the_server_restarts_and_misses_nothing()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        var options = server.Options("csharp");
        // Slow enough that the client reconnects only at a beat well after the restart: events then come only from
        // the beat (the inbox check, and snapshots of the watches the restarted grain had lost).
        options.HeartbeatInterval = TimeSpan.FromSeconds(5);
        await using var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        await agent.WatchMemoryAsync("plan", cancellationToken: TestContext.Current.CancellationToken);
        var received = Received.By(agent);
        agent.Start();
        using var anonymous = server.Client();
        var registered = await anonymous.Post("/api/agents/register", new { name = "rest", type = "tool" });
        registered.Status.ShouldBe(HttpStatusCode.Created);
        using var rest = server.Client(registered.Json["token"]!.GetValue<string>());
        (await rest.Post("/api/messages", new { content = "before the crash", recipients = new[] { "csharp" } })).Status.ShouldBe(HttpStatusCode.Created);
        (await received.Next<MessageReceivedEvent>()).Seq.ShouldBe(1);

        await server.StopAsync();
        await server.StartAsync();

        // Nothing here calls the cluster through the agent's client: its own beats are what reconnect it.
        (await rest.Post("/api/messages", new { content = "after the restart", recipients = new[] { "csharp" } })).Status.ShouldBe(HttpStatusCode.Created);
        var message = await received.Next<MessageReceivedEvent>();
        (message.Seq, message.Message.Content).ShouldBe((2, "after the restart"));
        // Written before or after the beat that tells the restarted agent grain about the client again: live,
        // or as the snapshot that beat brings. Either way it arrives.
        (await rest.Post("/api/memory", new { key = "plan", value = new { step = 2 } })).Status.ShouldBe(HttpStatusCode.Created);
        var update = (await received.Next<MemoryUpdatedEvent>()).Update;
        (update.UpdatedBy, update.Value!.Value.Text).ShouldBe(("rest", """{"step":2}"""));
        (await agent.SendMessageAsync("from C# after the restart", ["rest"], cancellationToken: TestContext.Current.CancellationToken)).Sender.ShouldBe("csharp");
    }
}
