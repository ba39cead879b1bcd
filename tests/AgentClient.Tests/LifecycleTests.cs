using System.Net;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>Token rotation and retirement from a C# agent (issue 26.1).</summary>
public sealed class LifecycleTests(ClusterFixture cluster)
{
    private TestServer Server => cluster.Server;

    [Fact]
    public async Task Rotating_keeps_this_client_working_with_the_new_token_and_the_old_one_stops_everywhere()
    {
        var options = Server.Options(TestServer.Unique("rot"));
        await using var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        var old = agent.Token;
        var (socket, _) = await Server.ConnectWebSocket(TestServer.Unique("peer"));
        await using var _socket = socket;
        await using var oldSocket = await WsClient.Connect(Server.Host);
        await oldSocket.Register(new { token = old });

        var rotated = await agent.RotateTokenAsync(TestContext.Current.CancellationToken);

        rotated.ShouldNotBe(old);
        agent.Token.ShouldBe(rotated);
        (await File.ReadAllTextAsync(options.TokenFile!, TestContext.Current.CancellationToken)).Trim().ShouldBe(rotated);
        (await Server.Host.Client(old).Get("/api/agents")).Status.ShouldBe(HttpStatusCode.Unauthorized);
        var notice = await oldSocket.NextPush(frame => frame["event"]!.GetValue<string>() == "session:revoked");
        notice["data"]!["code"]!.GetValue<string>().ShouldBe("token_rotated");

        // This client carries on with the new token: calls, and the heartbeats that renew its connection.
        (await agent.SendMessageAsync("still here", [agent.Name], cancellationToken: TestContext.Current.CancellationToken)).Sender.ShouldBe(agent.Name);
        await using var reconnected = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        reconnected.Token.ShouldBe(rotated);
    }

    [Fact]
    public async Task A_retired_agent_is_gone_for_its_senders_and_cannot_connect_again_by_itself()
    {
        var options = Server.Options(TestServer.Unique("ret"));
        var sender = await Server.Connect(TestServer.Unique("snd"));
        await using var _sender = sender;
        await using (var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken))
        {
            await agent.RetireAsync(TestContext.Current.CancellationToken);
        }

        await Should.ThrowAsync<GoneException>(() => sender.SendMessageAsync("hello?", [options.Name], cancellationToken: TestContext.Current.CancellationToken));
        (await sender.ListAgentsAsync(cancellationToken: TestContext.Current.CancellationToken)).Select(a => a.Name).ShouldNotContain(options.Name);
        var fresh = Server.Options(options.Name);
        fresh.TokenFile = Path.Combine(Server.Directory, "tokens", $"{options.Name}-fresh.token");
        await Should.ThrowAsync<GoneException>(() => AgentClient.ConnectAsync(fresh, TestContext.Current.CancellationToken));
    }
}
