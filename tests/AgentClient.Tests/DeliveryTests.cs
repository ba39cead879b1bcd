using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>The durable inbox seen from C#: replay after the last ack, live events in order, nothing lost or repeated.</summary>
public sealed class DeliveryTests(ClusterFixture cluster)
{
    private TestServer Server => cluster.Server;

    [Fact]
    public async Task A_stopped_agent_receives_every_message_sent_meanwhile_in_order_when_it_reconnects()
    {
        var csName = TestServer.Unique("cs");
        var (ws, _) = await Server.ConnectWebSocket(TestServer.Unique("ws"));
        await using var _ws = ws;

        await using (var first = await Server.Connect(csName))
        {
            var received = Received.By(first);
            first.Start();
            for (var i = 0; i < 3; i++)
            {
                await ws.Ack("message:send", new { content = $"before {i}", recipients = new[] { csName } });
            }
            (await received.Take<MessageReceivedEvent>(3)).Select(item => item.Message.Content).ShouldBe(["before 0", "before 1", "before 2"]);
        }

        // The agent is stopped: these wait in its durable inbox.
        var whileStopped = Enumerable.Range(0, 30).Select(i => $"while stopped {i}").ToList();
        foreach (var content in whileStopped)
        {
            await ws.Ack("message:send", new { content, recipients = new[] { csName } });
        }

        await using var second = await Server.Connect(csName);
        second.AckedSeq.ShouldBe(3, "disposing the first client acknowledged what it processed");
        var events = await second.ReadEventsAsync(TestContext.Current.CancellationToken).Take(30);
        events.Select(item => item.Seq).ShouldBe(Enumerable.Range(4, 30).Select(seq => (long?)seq));
        events.Cast<MessageReceivedEvent>().Select(item => item.Message.Content).ShouldBe(whileStopped);

        // Reading before sending: an event that arrives while no loop or handler is registered counts as processed unseen.
        var reading = second.ReadMessagesAsync(TestContext.Current.CancellationToken).Take(1);
        await ws.Ack("message:send", new { content = "live again", recipients = new[] { csName } });
        var live = (await reading).ShouldHaveSingleItem();
        live.Content.ShouldBe("live again");
        await Poll.Until(() => Task.FromResult(second.AckedSeq == 34), "the processed events to be acknowledged");
    }

    [Fact]
    public async Task An_event_whose_handler_was_interrupted_by_disposing_comes_again_on_the_next_connect()
    {
        var csName = TestServer.Unique("cs");
        var (ws, _) = await Server.ConnectWebSocket(TestServer.Unique("ws"));
        await using var _ws = ws;
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await using (var first = await Server.Connect(csName))
        {
            var processed = new List<string>();
            first.OnMessage(async (message, closing) =>
            {
                if (message.Content == "slow")
                {
                    blocked.TrySetResult();
                    await Task.Delay(Timeout.Infinite, closing);
                }
                processed.Add(message.Content);
            });
            first.Start();
            foreach (var content in new[] { "quick", "slow", "after" })
            {
                await ws.Ack("message:send", new { content, recipients = new[] { csName } });
            }
            await blocked.Task.WaitAsync(Received.Deadline, TestContext.Current.CancellationToken);
            processed.ShouldBe(["quick"]);
        }

        await using var second = await Server.Connect(csName);
        second.AckedSeq.ShouldBe(1);
        var again = await second.ReadMessagesAsync(TestContext.Current.CancellationToken).Take(2);
        again.Select(message => message.Content).ShouldBe(["slow", "after"]);
    }

    [Fact]
    public async Task A_backlog_over_several_pages_and_live_events_that_arrived_meanwhile_are_delivered_once_in_order()
    {
        var csName = TestServer.Unique("cs");
        var (ws, _) = await Server.ConnectWebSocket(TestServer.Unique("ws"));
        await using var _ws = ws;
        var options = Server.Options(csName);
        options.ReplayPageSize = 7;
        await using var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        var received = Received.By(agent);

        // Connected but not started: these arrive live and wait, and are also in the inbox the replay reads.
        for (var i = 0; i < 40; i++)
        {
            await ws.Ack("message:send", new { content = $"m{i}", recipients = new[] { csName } });
        }
        agent.Start();
        var messages = await received.Take<MessageReceivedEvent>(40);
        messages.Select(item => item.Seq).ShouldBe(Enumerable.Range(1, 40).Select(seq => (long?)seq));
        messages.Select(item => item.Message.Content).ShouldBe(Enumerable.Range(0, 40).Select(i => $"m{i}"));

        await ws.Ack("message:send", new { content = "last", recipients = new[] { csName } });
        (await received.Next<MessageReceivedEvent>()).Seq.ShouldBe(41);
        received.Drain().ShouldBeEmpty("no event is delivered twice");
    }

    [Fact]
    public async Task An_agent_on_a_given_cluster_client_reads_no_stream_and_disposing_leaves_the_client_running()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // No stream provider: an agent gets everything from its own grain.
        builder.UseOrleansClient(client => client
            .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, Server.GatewayPort))
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = Server.ClusterId;
                options.ServiceId = AgentClientOptions.DefaultClusterId;
            }));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var clusterClient = host.Services.GetRequiredService<IClusterClient>();
        var csName = TestServer.Unique("cs");
        var activitySubscribers = await Server.Host.ActivitySubscriptions();

        for (var run = 0; run < 2; run++)
        {
            var options = Server.Options(csName);
            options.ClusterClient = clusterClient;
            await using (var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken))
            {
                agent.ClusterClient.ShouldBeSameAs(clusterClient);
                await agent.WatchMemoryPrefixAsync($"{csName}/", cancellationToken: TestContext.Current.CancellationToken);
                var update = agent.ReadMemoryUpdatesAsync(TestContext.Current.CancellationToken).Take(1);
                await agent.SetMemoryAsync($"{csName}/run", run, cancellationToken: TestContext.Current.CancellationToken);
                (await update).ShouldHaveSingleItem().Value!.Value.Text.ShouldBe(run.ToString(System.Globalization.CultureInfo.InvariantCulture));
                (await Server.Host.ActivitySubscriptions()).ShouldBe(activitySubscribers);
            }
        }
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
