using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>How a C# agent proves who it is, and how refusals reach it.</summary>
public sealed class IdentityAndErrorTests(ClusterFixture cluster)
{
    private TestServer Server => cluster.Server;

    [Fact]
    public async Task The_first_connect_registers_and_saves_the_token_for_the_owner_only_and_the_next_authenticates_with_it()
    {
        var options = Server.Options(TestServer.Unique("cs"), "research");
        options.Metadata = new { ModelName = "small" };
        Guid id;
        string token;
        await using (var first = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken))
        {
            token = first.Token;
            token.ShouldStartWith("ac_");
            first.TokenFile.ShouldBe(options.TokenFile);
            (await File.ReadAllTextAsync(options.TokenFile!, TestContext.Current.CancellationToken)).ShouldBe(token + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(options.TokenFile!).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            first.Agent.Status.ShouldBe(AgentStatus.Online);
            first.Agent.Capabilities.ShouldBe(["research"]);
            first.Agent.Metadata.Text.ShouldBe("""{"model_name":"small"}""");
            id = first.Agent.Id;
        }

        // The same agent again, its profile replaced by the options (as a re-registration with the token does).
        options.Capabilities = ["research", "analysis"];
        await using var second = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        second.Agent.Id.ShouldBe(id);
        second.Token.ShouldBe(token);
        second.Agent.Capabilities.ShouldBe(["research", "analysis"]);
        (await second.GetAgentAsync(options.Name, TestContext.Current.CancellationToken)).Capabilities.ShouldBe(["research", "analysis"]);
    }

    [Fact]
    public async Task A_taken_name_without_its_token_is_a_conflict_and_a_token_that_is_not_the_agents_is_refused()
    {
        var wsName = TestServer.Unique("ws");
        var (ws, wsToken) = await Server.ConnectWebSocket(wsName);
        await using var _ws = ws;

        var conflict = await Should.ThrowAsync<ConflictException>(() => Server.Connect(wsName));
        conflict.Message.ShouldContain(Server.Options(wsName).TokenFile!);

        var forged = Server.Options(wsName);
        forged.Token = AgentTokens.Create(wsName);
        var unauthorized = await Should.ThrowAsync<UnauthorizedException>(() => AgentClient.ConnectAsync(forged, TestContext.Current.CancellationToken));
        unauthorized.WireCode.ShouldBe("unauthorized");

        var someoneElses = Server.Options(TestServer.Unique("cs"));
        someoneElses.Token = wsToken;
        (await Should.ThrowAsync<InvalidRequestException>(() => AgentClient.ConnectAsync(someoneElses, TestContext.Current.CancellationToken)))
            .Field.ShouldBe("name");

        // With its own token, a C# client may speak for an agent that also has a WebSocket open.
        var own = Server.Options(wsName);
        own.Token = wsToken;
        await using var same = await AgentClient.ConnectAsync(own, TestContext.Current.CancellationToken);
        same.Name.ShouldBe(wsName);
    }

    [Fact]
    public async Task A_saved_token_the_server_no_longer_knows_gets_the_agent_registered_anew()
    {
        var options = Server.Options(TestServer.Unique("cs"));
        var stale = AgentTokens.Create(options.Name);
        TokenStore.Write(options.TokenFile!, stale);

        await using var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        agent.Token.ShouldNotBe(stale);
        TokenStore.Read(options.TokenFile!).ShouldBe(agent.Token);
    }

    [Fact]
    public async Task Refusals_are_typed_exceptions_with_the_servers_codes_and_fields()
    {
        var wsName = TestServer.Unique("ws");
        var (ws, _) = await Server.ConnectWebSocket(wsName);
        await using var _ws = ws;
        await using var agent = await Server.Connect(TestServer.Unique("cs"));
        var cancel = TestContext.Current.CancellationToken;

        var notFound = await Should.ThrowAsync<NotFoundException>(() => agent.GetTaskAsync(Guid.NewGuid(), cancel));
        notFound.Code.ShouldBe(ErrorKind.NotFound);
        notFound.InnerException.ShouldBeOfType<AgentChannelException>();

        var invalid = await Should.ThrowAsync<InvalidRequestException>(() => agent.SendMessageAsync("", [wsName], cancellationToken: cancel));
        (invalid.WireCode, invalid.Field).ShouldBe(("invalid", "content"));

        var tooLarge = await Should.ThrowAsync<TooLargeException>(() => agent.SendMessageAsync(new string('x', 70_000), [wsName], cancellationToken: cancel));
        (tooLarge.WireCode, tooLarge.Field).ShouldBe(("too_large", "content"));

        var othersTask = await ws.Ack("task:create", new { title = "Mine", assign_to = wsName });
        var forbidden = await Should.ThrowAsync<ForbiddenException>(() => agent.CompleteTaskAsync(othersTask["id"]!.GetValue<Guid>(), cancellationToken: cancel));
        forbidden.WireCode.ShouldBe("forbidden");

        // One catch for every code, filtered on the shared ErrorKind.
        var caught = await Should.ThrowAsync<AgentRequestException>(() => agent.JoinChannelAsync("not a name!", cancel));
        caught.Code.ShouldBe(ErrorKind.Invalid);
        caught.Field.ShouldBe("channel");

        var badName = Server.Options("not a name!");
        (await Should.ThrowAsync<InvalidRequestException>(() => AgentClient.ConnectAsync(badName, cancel))).Field.ShouldBe("name");
    }
}
