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
    public async Task A_running_agent_subscribes_again_after_the_server_restarts_and_misses_nothing()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        var options = server.Options("csharp");
        // Slow enough that the client reconnects only at a beat well after the restart: then (measured) Orleans does
        // not restore the subscriptions by itself, and events would come only from the beat's inbox check.
        options.HeartbeatInterval = TimeSpan.FromSeconds(5);
        await using var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        await agent.WatchMemoryAsync("plan", TestContext.Current.CancellationToken);
        var received = Received.By(agent);
        agent.Start();
        using var anonymous = server.Client();
        var registered = await anonymous.Post("/api/agents/register", new { name = "rest", type = "tool" });
        registered.Status.ShouldBe(HttpStatusCode.Created);
        using var rest = server.Client(registered.Json["token"]!.GetValue<string>());
        (await rest.Post("/api/messages", new { content = "before the crash", recipients = new[] { "csharp" } })).Status.ShouldBe(HttpStatusCode.Created);
        (await received.Next<MessageReceivedEvent>()).Seq.ShouldBe(1);

        // Measured: after a graceful stop (Ctrl+C, kill) the new process has forgotten this client's stream
        // subscriptions for good, while after a crash Orleans restores them by itself. So: the graceful stop.
        await server.StopAsync();
        await server.StartAsync();

        // Nothing here calls the cluster through the agent's client: its own beats are what reconnect it.
        (await rest.Post("/api/messages", new { content = "after the restart", recipients = new[] { "csharp" } })).Status.ShouldBe(HttpStatusCode.Created);
        var message = await received.Next<MessageReceivedEvent>();
        (message.Seq, message.Message.Content).ShouldBe((2, "after the restart"));
        var activityStream = agent.ClusterClient.GetStreamProvider(AgentChannelStreams.ProviderName)
            .GetStream<AgentEvent>(AgentChannelStreams.Activity);
        // The test's own look at the subscriptions passes the silo's boundary with the agent's token.
        using (ClusterCredential.Present(agent.Token))
        {
            await Poll.Until(async () => await Subscriptions(activityStream) == 1, "the agent to be subscribed to the activity stream again");
        }
        // Memory updates are live only (no inbox behind them): this one arrives only if the activity stream was subscribed again.
        (await rest.Post("/api/memory", new { key = "plan", value = new { step = 2 } })).Status.ShouldBe(HttpStatusCode.Created);
        (await received.Next<MemoryUpdatedEvent>()).Update.UpdatedBy.ShouldBe("rest");
        (await agent.SendMessageAsync("from C# after the restart", ["rest"], cancellationToken: TestContext.Current.CancellationToken)).Sender.ShouldBe("csharp");
    }

    /// <summary>Subscriptions on the stream; none while the client is still reconnecting to the restarted gateway.</summary>
    private static async Task<int> Subscriptions(IAsyncStream<AgentEvent> stream)
    {
        try
        {
            return (await stream.GetAllSubscriptionHandles()).Count;
        }
        catch (Exception exception) when (exception is ConnectionFailedException or OrleansMessageRejectionException or SiloUnavailableException or TimeoutException)
        {
            return 0;
        }
    }
}
