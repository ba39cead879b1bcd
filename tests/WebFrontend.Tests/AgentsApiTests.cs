using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class AgentsApiTests(ServerFixture fixture)
{
    [Fact]
    public async Task Register_returns_201_with_the_agent_and_a_token_shown_once()
    {
        var name = $"reg-{Guid.NewGuid():N}"[..16];
        var response = await fixture.Anonymous.Post("/api/agents/register",
            new { name, type = "llm", capabilities = new[] { "research" }, metadata = new { model = "m" } });

        response.Status.ShouldBe(HttpStatusCode.Created);
        response.Raw.Headers.Location!.ToString().ShouldStartWith("/api/agents/");
        var agent = response.Json["agent"]!;
        agent["name"]!.GetValue<string>().ShouldBe(name);
        agent["type"]!.GetValue<string>().ShouldBe("llm");
        agent["status"]!.GetValue<string>().ShouldBe("online");
        agent["capabilities"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldBe(["research"]);
        agent["metadata"]!["model"]!.GetValue<string>().ShouldBe("m");
        agent["last_seen"].ShouldNotBeNull();
        agent["token_hash"].ShouldBeNull();
        response.Json["token"]!.GetValue<string>().ShouldStartWith("ac_");

        var token = response.Json["token"]!.GetValue<string>();
        using var client = fixture.Server.Client(token);
        var again = await client.Post("/api/agents/register", new { name, type = "tool" });
        again.Status.ShouldBe(HttpStatusCode.OK);
        again.Json["token"].ShouldBeNull();
        again.Json["agent"]!["type"]!.GetValue<string>().ShouldBe("tool");
    }

    [Fact]
    public async Task Registering_a_taken_name_without_its_token_is_409()
    {
        var agent = await fixture.Register("taken");
        (await fixture.Anonymous.Post("/api/agents/register", new { name = agent.Name.ToUpperInvariant(), type = "llm" }))
            .ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        using var other = fixture.Server.Client((await fixture.Register("other")).Token);
        (await other.Post("/api/agents/register", new { name = agent.Name, type = "llm" }))
            .ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Register_with_missing_or_bad_fields_is_400_naming_the_field()
    {
        (await fixture.Anonymous.Post("/api/agents/register", new { type = "llm" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "name");
        (await fixture.Anonymous.Post("/api/agents/register", new { name = "no-type-agent" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "type");
        (await fixture.Anonymous.Post("/api/agents/register", new { name = "bad name", type = "llm" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "name");
        (await fixture.Anonymous.Post("/api/agents/register", """{"name": "x", "type": "llm", "capabilities": "nope"}"""))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "capabilities");
        (await fixture.Anonymous.Post("/api/agents/register", """{"name": "x", """)).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        (await fixture.Operator.Get("/api/agents/no-type-agent")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_name_with_a_trailing_newline_is_refused_wherever_names_are_checked_and_creates_nothing()
    {
        var type = $"newline-{Guid.NewGuid():N}";
        var alice = await fixture.Register("alice");

        (await fixture.Anonymous.Post("/api/agents/register", new { name = "operator\n", type }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "name");
        (await fixture.Anonymous.Post("/api/agents/register", new { name = alice.Name + "\n", type }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "name");
        (await alice.Http.Post("/api/messages", new { content = "x", recipients = new[] { alice.Name + "\n" } }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "recipients");
        (await alice.Http.Post("/api/messages", new { content = "x", channel = "room\n" }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "channel");
        (await alice.Http.Post("/api/messages", new { content = "x", recipients = new[] { alice.Name }, message_type = "text\n" }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "message_type");
        (await alice.Http.Post($"/api/channels/{Uri.EscapeDataString("room\n")}/join"))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "channel");
        (await alice.Http.Post("/api/memory", new { key = $"newline/{type}", value = 1, access_control = new { read = new[] { alice.Name + "\n" } } }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "access_control.read");

        (await fixture.Operator.Get($"/api/agents?type={type}")).Json["items"]!.AsArray().ShouldBeEmpty();
        (await fixture.Operator.Get($"/api/memory/newline/{type}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await alice.Http.Get($"/api/messages?sender={alice.Name}")).Json["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task List_filters_by_status_type_and_capability()
    {
        var coder = await fixture.Register("coder", "code", "review");
        var writer = await fixture.Register("writer", "write");
        (await writer.Http.Put($"/api/agents/{writer.Name}/status", new { status = "busy" })).Status.ShouldBe(HttpStatusCode.OK);

        var reviewers = await coder.Http.Get("/api/agents?capability=review");
        reviewers.Status.ShouldBe(HttpStatusCode.OK);
        var reviewerNames = reviewers.Json["items"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).ToList();
        reviewerNames.ShouldContain(coder.Name);
        reviewerNames.ShouldNotContain(writer.Name);

        var busy = (await coder.Http.Get("/api/agents?status=busy")).Json["items"]!.AsArray();
        busy.Select(a => a!["name"]!.GetValue<string>()).ShouldContain(writer.Name);
        busy.ShouldAllBe(a => a!["status"]!.GetValue<string>() == "busy");
        busy.ShouldAllBe(a => a!["active_task_count"] != null);

        (await coder.Http.Get("/api/agents?type=nonexistent-type")).Json["items"]!.AsArray().ShouldBeEmpty();
        (await coder.Http.Get("/api/agents?status=sleeping")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
    }

    [Fact]
    public async Task Get_finds_an_agent_by_id_or_name_and_404s_otherwise()
    {
        var agent = await fixture.Register("findme");

        (await agent.Http.Get($"/api/agents/{agent.Id}")).Json["name"]!.GetValue<string>().ShouldBe(agent.Name);
        (await agent.Http.Get($"/api/agents/{agent.Name.ToUpperInvariant()}")).Json["id"]!.GetValue<string>().ShouldBe(agent.Id.ToString());
        (await agent.Http.Get($"/api/agents/{Guid.NewGuid()}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await agent.Http.Get("/api/agents/nobody-by-this-name")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Status_is_set_by_the_agent_itself_or_the_operator_only()
    {
        var agent = await fixture.Register("stat");
        var other = await fixture.Register("other");

        var set = await agent.Http.Put($"/api/agents/{agent.Id}/status", new { status = "busy" });
        set.Status.ShouldBe(HttpStatusCode.OK);
        set.Json["status"]!.GetValue<string>().ShouldBe("busy");

        (await other.Http.Put($"/api/agents/{agent.Name}/status", new { status = "offline" })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await fixture.Anonymous.Put($"/api/agents/{agent.Name}/status", new { status = "offline" })).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
        (await agent.Http.Put($"/api/agents/{agent.Name}/status", new { status = "asleep" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "status");
        (await agent.Http.Put($"/api/agents/{agent.Name}/status", new { })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "status");
        (await agent.Http.Put("/api/agents/no-such-agent-x/status", new { status = "busy" })).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await fixture.Operator.Put($"/api/agents/{agent.Name}/status", new { status = "offline" })).Json["status"]!.GetValue<string>().ShouldBe("offline");
        (await agent.Http.Get($"/api/agents/{agent.Name}")).Json["status"]!.GetValue<string>().ShouldBe("offline");
    }

    [Fact]
    public async Task Wrong_or_missing_tokens_are_401_and_reads_need_a_registered_caller()
    {
        (await fixture.Anonymous.Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
        using var forged = fixture.Server.Client("ac_Zm9v_notarealsecret");
        (await forged.Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
        using var garbage = fixture.Server.Client("garbage");
        (await garbage.Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
        var agent = await fixture.Register("reader");
        using var tampered = fixture.Server.Client(agent.Token[..^2] + "xx");
        (await tampered.Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
        (await agent.Http.Get("/api/agents")).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_rest_agent_sends_heartbeats_for_itself_only()
    {
        var agent = await fixture.Register("beater");
        var other = await fixture.Register("other");

        var beat = await agent.Http.Post($"/api/agents/{agent.Name}/heartbeat", new { status = "busy" });
        beat.Status.ShouldBe(HttpStatusCode.OK);
        beat.Json["status"]!.GetValue<string>().ShouldBe("busy");
        (await agent.Http.Post($"/api/agents/{agent.Name}/heartbeat")).Json["status"]!.GetValue<string>().ShouldBe("busy");
        (await other.Http.Post($"/api/agents/{agent.Name}/heartbeat", new { })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await agent.Http.Post($"/api/agents/{agent.Name}/heartbeat", new { status = "offline" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "status");
    }
}
