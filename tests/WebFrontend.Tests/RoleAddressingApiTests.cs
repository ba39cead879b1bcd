using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// Messages addressed to a capability (docs/api.md 4.2, "Role addressing") over REST, the WebSocket and MCP, against the
/// real host: the address is kept on the message, the agents it reached are its recipients, refusals store nothing.
/// </summary>
public sealed class RoleAddressingApiTests(ServerFixture fixture)
{
    [Fact]
    public async Task Rest_any_goes_to_one_online_agent_with_the_capability_and_the_message_shows_its_address()
    {
        var skill = ServerFixture.OwnCapability();
        var sender = await fixture.Register("role-sender");
        var worker = await fixture.Register("role-worker", skill);
        var away = await fixture.Register("role-away", skill);
        (await away.Http.Put($"/api/agents/{away.Name}/status", new { status = "offline" })).Status.ShouldBe(HttpStatusCode.OK);

        var sent = await sender.Http.Post("/api/messages", new { content = "can someone look?", to_capability = skill });

        sent.Status.ShouldBe(HttpStatusCode.Created, sent.Body?.ToJsonString());
        sent.Json["to_capability"]!.GetValue<string>().ShouldBe(skill);
        sent.Json["mode"]!.GetValue<string>().ShouldBe("any");
        Names(sent.Json["recipients"]).ShouldBe([worker.Name]);
        var id = sent.Json["id"]!.GetValue<string>();
        var read = await worker.Http.Get($"/api/messages/{id}");
        read.Json["mode"]!.GetValue<string>().ShouldBe("any");
        read.Json["to_capability"]!.GetValue<string>().ShouldBe(skill);
        (await away.Http.Get($"/api/messages/{id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");

        // A direct message keeps its shape: the role fields are there, null.
        var direct = await sender.Http.Post("/api/messages", new { content = "plain", recipients = new[] { worker.Name } });
        direct.Json.AsObject().ContainsKey("to_capability").ShouldBeTrue();
        direct.Json["to_capability"].ShouldBeNull();
        direct.Json["mode"].ShouldBeNull();
    }

    [Fact]
    public async Task Rest_refusals_are_problems_naming_the_field_and_store_nothing()
    {
        var skill = ServerFixture.OwnCapability();
        var sender = await fixture.Register("role-refused");
        var away = await fixture.Register("role-offline", skill);
        (await away.Http.Put($"/api/agents/{away.Name}/status", new { status = "offline" })).Status.ShouldBe(HttpStatusCode.OK);

        FieldOf((await sender.Http.Post("/api/messages", new { content = "x", to_capability = ServerFixture.OwnCapability() }))
            .ShouldBeProblem(HttpStatusCode.NotFound, "not_found")).ShouldBe("to_capability");
        (await sender.Http.Post("/api/messages", new { content = "x", to_capability = ServerFixture.OwnCapability(), mode = "all" }))
            .ShouldBeProblem(HttpStatusCode.NotFound, "not_found", "to_capability");
        var none = (await sender.Http.Post("/api/messages", new { content = "x", to_capability = skill }))
            .ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        none.Json["detail"]!.GetValue<string>().ShouldContain("online");
        (await sender.Http.Post("/api/messages", new { content = "x", to_capability = skill, recipients = new[] { away.Name } }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "to_capability");
        (await sender.Http.Post("/api/messages", new { content = "x", recipients = new[] { away.Name }, mode = "all" }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "mode");
        FieldOf((await sender.Http.Post("/api/messages", new { content = "x", to_capability = skill, mode = "some" }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid")).ShouldBe("mode");
        FieldOf((await sender.Http.Post("/api/messages", new { content = "x", to_capability = 42 }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid")).ShouldBe("to_capability");

        (await fixture.Operator.Get($"/api/messages?sender={sender.Name}")).Json["items"]!.AsArray().ShouldBeEmpty();
        (await away.Http.Get("/api/events/poll?since_seq=0&wait_seconds=0")).Json["events"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task WebSocket_all_reaches_a_connected_agent_at_once_and_an_offline_one_when_it_connects_once_despite_a_retry()
    {
        var skill = ServerFixture.OwnCapability();
        var sender = await fixture.RegisterBusy("role-ws-sender");
        var online = await fixture.Register("role-ws-online", skill);
        var later = await fixture.Register("role-ws-later", skill);
        (await later.Http.Put($"/api/agents/{later.Name}/status", new { status = "offline" })).Status.ShouldBe(HttpStatusCode.OK);
        await using var onlineSocket = await WsClient.Connect(fixture.Server, online.Token);
        await onlineSocket.Register(new { });
        await using var senderSocket = await WsClient.Connect(fixture.Server, sender.Token);
        await senderSocket.Register(new { });
        var key = $"role-{Guid.NewGuid():N}";
        var frame = new { content = "everyone with the skill", to_capability = skill, mode = "all", idempotency_key = key };

        var sent = await senderSocket.Ack("message:send", frame);

        sent["mode"]!.GetValue<string>().ShouldBe("all");
        Names(sent["recipients"]).Order(StringComparer.Ordinal).ShouldBe(new[] { online.Name, later.Name }.Order(StringComparer.Ordinal));
        var pushed = await onlineSocket.NextPush(push => push["event"]!.GetValue<string>() == "message:received");
        pushed["data"]!["id"]!.GetValue<string>().ShouldBe(sent["id"]!.GetValue<string>());
        pushed["data"]!["to_capability"]!.GetValue<string>().ShouldBe(skill);

        // The retry (as after a lost ack) is answered with the same message and delivers nothing twice.
        (await senderSocket.Ack("message:send", frame))["id"]!.GetValue<string>().ShouldBe(sent["id"]!.GetValue<string>());
        await using var laterSocket = await WsClient.Connect(fixture.Server, later.Token);
        await laterSocket.Register(new { });
        var replayed = await laterSocket.NextPush(push => push["event"]!.GetValue<string>() == "message:received");
        replayed["data"]!["id"]!.GetValue<string>().ShouldBe(sent["id"]!.GetValue<string>());
        foreach (var agent in new[] { online, later })
        {
            var inbox = await agent.Http.Get("/api/events/poll?since_seq=0&wait_seconds=0");
            inbox.Json["events"]!.AsArray().Count(e => e!["data"]!["id"]?.GetValue<string>() == sent["id"]!.GetValue<string>())
                .ShouldBe(1, agent.Name);
        }

        var refused = await senderSocket.Request("message:send", new { content = "x", to_capability = ServerFixture.OwnCapability() });
        refused["event"]!.GetValue<string>().ShouldBe("error");
        refused["data"]!["code"]!.GetValue<string>().ShouldBe("not_found");
    }

    [Fact]
    public async Task Mcp_send_message_takes_a_capability_and_mode()
    {
        var skill = ServerFixture.OwnCapability();
        var sender = await fixture.RegisterBusy("role-mcp");
        var first = await fixture.Register("role-mcp-a", skill);
        var second = await fixture.Register("role-mcp-b", skill);
        await using var mcp = await McpAgent.Connect(fixture.Server, sender.Token);

        var sent = await mcp.Call("send_message", new { content = "all hands", to_capability = skill, mode = "all" });

        Names(sent["recipients"]).Order(StringComparer.Ordinal).ShouldBe(new[] { first.Name, second.Name }.Order(StringComparer.Ordinal));
        sent["to_capability"]!.GetValue<string>().ShouldBe(skill);
        await mcp.CallFailing("send_message", new { content = "x", to_capability = ServerFixture.OwnCapability() }, "not_found", "to_capability");
        await mcp.CallFailing("send_message", new { content = "x", to_capability = skill, channel = "somewhere" }, "invalid", "to_capability");
    }

    private static string? FieldOf(ApiResponse problem) => problem.Json["field"]?.GetValue<string>();

    private static IReadOnlyList<string> Names(JsonNode? array) => [.. array!.AsArray().Select(name => name!.GetValue<string>())];
}
