using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>/mcp driven by the SDK's own MCP client over real HTTP against the real host.</summary>
public sealed class McpTests(ServerFixture fixture)
{
    private static readonly string[] ToolNames =
    [
        "register_agent", "rotate_token", "list_agents", "send_message", "read_inbox", "ack_inbox", "create_task", "claim_task",
        "update_task", "complete_task", "list_tasks", "get_memory", "set_memory", "list_memory", "upload_artifact", "read_artifact",
        "search_messages", "search_memory", "request_input", "provide_input", "approve_task", "send_back_task",
    ];

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [Fact]
    public async Task Lists_every_tool_with_a_description_and_an_input_schema_and_the_resource_templates()
    {
        await using var mcp = await McpAgent.Connect(fixture.Server);

        var tools = await mcp.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        tools.Select(t => t.Name).Order().ShouldBe(ToolNames.Order());
        foreach (var tool in tools)
        {
            tool.Description.ShouldNotBeNullOrWhiteSpace(tool.Name);
            tool.JsonSchema.GetProperty("type").GetString().ShouldBe("object", tool.Name);
            tool.ProtocolTool.OutputSchema.ShouldNotBeNull(tool.Name);
            BooleanSubSchemas(tool.JsonSchema, $"{tool.Name}.inputSchema").ShouldBeEmpty();
            BooleanSubSchemas(tool.ProtocolTool.OutputSchema!.Value, $"{tool.Name}.outputSchema").ShouldBeEmpty();
        }
        // Free-form JSON is described as an empty schema (anything), not as the boolean schema true.
        var taskOutput = tools.Single(t => t.Name == "create_task").ProtocolTool.OutputSchema!.Value.GetProperty("properties");
        taskOutput.GetProperty("result").ValueKind.ShouldBe(JsonValueKind.Object);
        taskOutput.GetProperty("requirements").EnumerateObject().ShouldBeEmpty();
        var schemas = tools.ToDictionary(t => t.Name, t => t.JsonSchema);
        Required(schemas["register_agent"]).ShouldBe(["name", "type"], ignoreOrder: true);
        Required(schemas["set_memory"]).ShouldBe(["key", "value"], ignoreOrder: true);
        Required(schemas["ack_inbox"]).ShouldBe(["seq"]);
        schemas["read_inbox"].GetProperty("properties").TryGetProperty("since_seq", out _).ShouldBeTrue();
        schemas["set_memory"].GetProperty("properties").TryGetProperty("expected_version", out _).ShouldBeTrue();
        // Who acts is the token's agent: no tool takes the caller's identity as an argument.
        foreach (var schema in schemas.Values)
        {
            schema.GetProperty("properties").TryGetProperty("user", out _).ShouldBeFalse();
            schema.GetProperty("properties").TryGetProperty("sender", out _).ShouldBeFalse();
        }
        schemas["update_task"].GetProperty("properties").GetProperty("status").GetRawText().ShouldContain("in_progress");

        var templates = await mcp.Client.ListResourceTemplatesAsync(cancellationToken: TestContext.Current.CancellationToken);
        templates.Select(t => t.UriTemplate).ShouldBe(
            ["agentchannel://inbox{?since_seq}", "agentchannel://tasks/{task_id}", "agentchannel://memory/{+key}"], ignoreOrder: true);
    }

    [Fact]
    public async Task Register_over_mcp_returns_a_token_once_that_then_identifies_the_agent_on_mcp_and_rest()
    {
        var name = UniqueName("mcp-reg");
        await using var anonymous = await McpAgent.Connect(fixture.Server);

        var registered = await anonymous.Call("register_agent",
            new { name, type = "coding-assistant", capabilities = new[] { "code" }, metadata = new { model = "m" } });

        registered["created"]!.GetValue<bool>().ShouldBeTrue();
        registered["agent"]!["name"]!.GetValue<string>().ShouldBe(name);
        registered["agent"]!["metadata"]!["model"]!.GetValue<string>().ShouldBe("m");
        var token = registered["token"]!.GetValue<string>();
        token.ShouldStartWith("ac_");

        await using var agent = await McpAgent.Connect(fixture.Server, token);
        var listed = await agent.Call("list_agents", new { capability = "code" });
        listed["items"]!.AsArray().ShouldContain(a => a!["name"]!.GetValue<string>() == name);
        using var rest = fixture.Server.Client(token);
        (await rest.Post("/api/memory", new { key = $"{name}/k", value = 1 })).Json["created_by"]!.GetValue<string>().ShouldBe(name);

        // Re-registering needs the token: with it the profile changes and no new token is shown.
        var again = await agent.Call("register_agent", new { name, type = "reviewer" });
        again["created"]!.GetValue<bool>().ShouldBeFalse();
        again["token"].ShouldBeNull();
        again["agent"]!["type"]!.GetValue<string>().ShouldBe("reviewer");
        await anonymous.CallFailing("register_agent", new { name, type = "impostor" }, "conflict");
        await anonymous.CallFailing("register_agent", new { name = "bad name", type = "llm" }, "invalid", "name");
    }

    [Fact]
    public async Task An_mcp_agent_uploads_an_artifact_attaches_it_to_a_message_and_its_recipient_reads_it_back()
    {
        var sender = await fixture.RegisterBusy("mcp-art");
        var recipient = await fixture.RegisterBusy("mcp-artr");
        var outsider = await fixture.RegisterBusy("mcp-arto");
        await using var mcp = await McpAgent.Connect(fixture.Server, sender.Token);
        await using var reader = await McpAgent.Connect(fixture.Server, recipient.Token);
        await using var stranger = await McpAgent.Connect(fixture.Server, outsider.Token);
        var bytes = "{\"answer\": 42}"u8.ToArray();

        var artifact = await mcp.Call("upload_artifact", new { name = "answer.json", content_base64 = Convert.ToBase64String(bytes), content_type = "application/json" });
        artifact["sha256"]!.GetValue<string>().ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        var id = artifact["id"]!.GetValue<string>();
        await reader.CallFailing("read_artifact", new { artifact_id = id }, "forbidden");
        (await mcp.Call("send_message", new { content = "see attached", recipients = new[] { recipient.Name }, artifacts = new[] { id } }))
            ["artifacts"]![0]!.GetValue<string>().ShouldBe(id);

        var read = await reader.Call("read_artifact", new { artifact_id = id });
        read["artifact"]!["content_type"]!.GetValue<string>().ShouldBe("application/json");
        Convert.FromBase64String(read["content_base64"]!.GetValue<string>()).ShouldBe(bytes);
        await stranger.CallFailing("read_artifact", new { artifact_id = id }, "forbidden");
        await mcp.CallFailing("upload_artifact", new { name = "x.bin", content_base64 = "not base64!" }, "invalid", "content_base64");
    }

    [Fact]
    public async Task An_mcp_agent_and_a_websocket_agent_exchange_messages_both_ways()
    {
        var mcpAgent = await fixture.RegisterBusy("mcp-talk");
        await using var mcp = await McpAgent.Connect(fixture.Server, mcpAgent.Token);
        await using var ws = await WsClient.Connect(fixture.Server);
        var wsName = (await ws.Register(new { name = UniqueName("ws-talk"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();

        var sent = await mcp.Call("send_message", new { content = "hello from mcp", recipients = new[] { wsName } });
        sent["sender"]!.GetValue<string>().ShouldBe(mcpAgent.Name);
        var pushed = await ws.NextPush(p => p["event"]!.GetValue<string>() == "message:received");
        pushed["data"]!["content"]!.GetValue<string>().ShouldBe("hello from mcp");
        pushed["data"]!["sender"]!.GetValue<string>().ShouldBe(mcpAgent.Name);

        await ws.Ack("message:send", new { content = "hello from ws", recipients = new[] { mcpAgent.Name } });
        var inbox = await mcp.Call("read_inbox");
        var received = Messages(inbox).ShouldHaveSingleItem();
        received["data"]!["content"]!.GetValue<string>().ShouldBe("hello from ws");
        received["data"]!["sender"]!.GetValue<string>().ShouldBe(wsName);
    }

    [Fact]
    public async Task Read_inbox_is_a_peek_and_only_ack_inbox_moves_past_events()
    {
        var reader = await fixture.RegisterBusy("mcp-peek");
        var sender = await fixture.Register("peek-sender");
        await using var mcp = await McpAgent.Connect(fixture.Server, reader.Token);
        foreach (var text in new[] { "one", "two", "three" })
        {
            (await sender.Http.Post("/api/messages", new { content = text, recipients = new[] { reader.Name } })).Status.ShouldBe(HttpStatusCode.Created);
        }

        var first = await mcp.Call("read_inbox");
        Contents(first).ShouldBe(["one", "two", "three"]);
        var seqs = Messages(first).Select(e => e["seq"]!.GetValue<long>()).ToList();
        seqs.ShouldBeInOrder(SortDirection.Ascending);
        first["acked_seq"]!.GetValue<long>().ShouldBe(0);
        first["last_seq"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(seqs[2]);
        Contents(await mcp.Call("read_inbox")).ShouldBe(["one", "two", "three"]);
        var page = await mcp.Call("read_inbox", new { since_seq = seqs[0] - 1, limit = 1 });
        Contents(page).ShouldBe(["one"]);
        page["has_more"]!.GetValue<bool>().ShouldBeTrue();
        page["next_since_seq"]!.GetValue<long>().ShouldBe(seqs[0]);

        var position = await mcp.Call("ack_inbox", new { seq = seqs[1] });
        position["acked_seq"]!.GetValue<long>().ShouldBe(seqs[1]);
        var rest = await mcp.Call("read_inbox");
        Contents(rest).ShouldBe(["three"]);
        Contents(await mcp.Call("read_inbox", new { since_seq = 0 })).ShouldBe(["one", "two", "three"]);
        Contents(await mcp.Call("read_inbox", new { since_seq = seqs[2] })).ShouldBeEmpty();
        Contents(await mcp.ReadResource("agentchannel://inbox")).ShouldBe(["three"]);
        Contents(await mcp.ReadResource($"agentchannel://inbox?since_seq={seqs[0]}")).ShouldBe(["two", "three"]);

        await mcp.CallFailing("ack_inbox", new { seq = first["last_seq"]!.GetValue<long>() + 1 }, "invalid", "seq");
        (await mcp.Call("read_inbox"))["acked_seq"]!.GetValue<long>().ShouldBe(seqs[1]);
    }

    [Fact]
    public async Task An_mcp_agent_claims_updates_and_completes_a_task()
    {
        var skill = $"mcp-claim-{Guid.NewGuid():N}";
        var creator = await fixture.Register("mcp-boss");
        var worker = await fixture.Register("mcp-worker", skill);
        // Busy: the engine hands it nothing by itself, but it may still claim.
        (await worker.Http.Put($"/api/agents/{worker.Name}/status", new { status = "busy" })).Status.ShouldBe(HttpStatusCode.OK);
        await using var mcp = await McpAgent.Connect(fixture.Server, worker.Token);
        await using var boss = await McpAgent.Connect(fixture.Server, creator.Token);
        var task = await boss.Call("create_task", new { title = "port it", priority = 1, requirements = new { capabilities = new[] { skill } } });
        var taskId = task["id"]!.GetValue<string>();
        task["creator"]!.GetValue<string>().ShouldBe(creator.Name);
        task["status"]!.GetValue<string>().ShouldBe("pending");

        var claimed = await mcp.Call("claim_task");
        claimed["task"]!["id"]!.GetValue<string>().ShouldBe(taskId);
        claimed["task"]!["assigned_to"]!.GetValue<string>().ShouldBe(worker.Name);
        (await mcp.Call("claim_task"))["task"].ShouldBeNull();

        (await mcp.Call("update_task", new { task_id = taskId, status = "in_progress" }))["status"]!.GetValue<string>().ShouldBe("in_progress");
        await boss.CallFailing("complete_task", new { task_id = taskId, result = "mine" }, "forbidden");
        var completed = await mcp.Call("complete_task", new { task_id = taskId, result = new { patch = "diff" } });
        completed["status"]!.GetValue<string>().ShouldBe("completed");
        completed["result"]!["patch"]!.GetValue<string>().ShouldBe("diff");

        (await boss.ReadResource($"agentchannel://tasks/{taskId}"))["status"]!.GetValue<string>().ShouldBe("completed");
        var mine = await boss.Call("list_tasks", new { creator = creator.Name, status = "completed" });
        mine["items"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).ShouldBe([taskId]);
        (await fixture.Operator.Get($"/api/tasks/{taskId}")).Json["status"]!.GetValue<string>().ShouldBe("completed");
    }

    [Fact]
    public async Task An_mcp_agent_passes_the_assignment_id_it_claimed_under_and_a_stale_one_is_a_lease_lost_tool_error()
    {
        var skill = $"mcp-fence-{Guid.NewGuid():N}";
        var creator = await fixture.Register("mcp-fboss");
        var worker = await fixture.Register("mcp-fworker", skill);
        var other = await fixture.RegisterBusy("mcp-fother");
        (await worker.Http.Put($"/api/agents/{worker.Name}/status", new { status = "busy" })).Status.ShouldBe(HttpStatusCode.OK);
        await using var mcp = await McpAgent.Connect(fixture.Server, worker.Token);
        var taskId = (await creator.Http.Post("/api/tasks", new { title = "fenced over mcp", requirements = new { capabilities = new[] { skill } } }))
            .Json["id"]!.GetValue<string>();
        var claimed = (await mcp.Call("claim_task"))["task"]!;
        claimed["id"]!.GetValue<string>().ShouldBe(taskId);
        var assignment = claimed["assignment_id"]!.GetValue<string>();
        (await mcp.Call("update_task", new { task_id = taskId, status = "in_progress", assignment_id = assignment }))["status"]!
            .GetValue<string>().ShouldBe("in_progress");

        (await fixture.Operator.Post($"/api/tasks/{taskId}/assign", new { agent = other.Name })).Status.ShouldBe(HttpStatusCode.OK);

        await mcp.CallFailing("complete_task", new { task_id = taskId, result = "late", assignment_id = assignment }, "lease_lost", "assignment_id");
        await mcp.CallFailing("update_task", new { task_id = taskId, result = "late", assignment_id = assignment }, "lease_lost", "assignment_id");
        await mcp.CallFailing("complete_task", new { task_id = taskId, assignment_id = "not-a-guid" }, "invalid", "assignment_id");
        var task = (await fixture.Operator.Get($"/api/tasks/{taskId}")).Json;
        task["assigned_to"]!.GetValue<string>().ShouldBe(other.Name);
        task["result"].ShouldBeNull();
    }

    [Fact]
    public async Task Set_memory_with_a_stale_expected_version_is_a_conflict_tool_error_that_changes_nothing()
    {
        var agent = await fixture.Register("mcp-cas");
        await using var mcp = await McpAgent.Connect(fixture.Server, agent.Token);
        var key = $"mcp/{agent.Name}/plan";

        var created = await mcp.Call("set_memory", new { key, value = new { step = 1 }, expected_version = 0 });
        created["version"]!.GetValue<long>().ShouldBe(1);
        (await mcp.Call("set_memory", new { key, value = new { step = 2 }, expected_version = 1 }))["version"]!.GetValue<long>().ShouldBe(2);

        var conflict = await mcp.CallFailing("set_memory", new { key, value = new { step = 99 }, expected_version = 1 }, "conflict");
        conflict["current_version"]!.GetValue<long>().ShouldBe(2);
        var entry = await mcp.Call("get_memory", new { key });
        entry["version"]!.GetValue<long>().ShouldBe(2);
        entry["value"]!["step"]!.GetValue<int>().ShouldBe(2);
        (await fixture.Operator.Get($"/api/memory/{key}")).Json["version"]!.GetValue<long>().ShouldBe(2);

        (await mcp.ReadResource($"agentchannel://memory/{key}"))["value"]!["step"]!.GetValue<int>().ShouldBe(2);
        var spaced = $"mcp/{agent.Name}/two words";
        await mcp.Call("set_memory", new { key = spaced, value = "v" });
        (await mcp.ReadResource($"agentchannel://memory/{Uri.EscapeDataString(spaced).Replace("%2F", "/", StringComparison.Ordinal)}"))
            ["key"]!.GetValue<string>().ShouldBe(spaced);
        (await mcp.Call("list_memory", new { prefix = $"mcp/{agent.Name}/" }))["items"]!.AsArray()
            .Select(i => i!["key"]!.GetValue<string>()).ShouldBe([key, spaced]);
    }

    [Fact]
    public async Task Errors_are_tool_errors_with_the_same_codes_as_rest()
    {
        var agent = await fixture.Register("mcp-errors");
        await using var mcp = await McpAgent.Connect(fixture.Server, agent.Token);

        await mcp.CallFailing("get_memory", new { key = $"missing/{Guid.NewGuid():N}" }, "not_found");
        await mcp.CallFailing("complete_task", new { task_id = Guid.NewGuid().ToString() }, "not_found");
        await mcp.CallFailing("update_task", new { task_id = "not-a-task" }, "not_found");
        await mcp.CallFailing("create_task", new { title = "" }, "invalid", "title");
        await mcp.CallFailing("create_task", new { title = "t", priority = 9 }, "invalid", "priority");
        await mcp.CallFailing("send_message", new { content = "to nobody" }, "invalid");
        await mcp.CallFailing("update_task", new { task_id = Guid.NewGuid().ToString(), status = "sideways" }, "invalid", "status");
        await mcp.CallFailing("set_memory", new { key = "", value = 1 }, "invalid", "key");
        // Arguments that do not fit the input schema name the argument, as REST names the field.
        await mcp.CallFailing("create_task", new { priority = 1 }, "invalid", "title");
        await mcp.CallFailing("create_task", new { title = "t", priority = "high" }, "invalid", "priority");
        await mcp.CallFailing("create_task", new { title = "t", depends_on = new[] { "not-a-guid" } }, "invalid", "depends_on");
        await mcp.CallFailing("set_memory", new { key = "k" }, "invalid", "value");

        var missing = await Should.ThrowAsync<McpException>(() => mcp.ReadResource($"agentchannel://tasks/{Guid.NewGuid()}"));
        missing.Message.ShouldContain("not_found");
    }

    [Fact]
    public async Task An_unknown_tool_is_the_protocols_invalid_params_error_not_a_server_fault()
    {
        var agent = await fixture.Register("mcp-unknown");
        await using var mcp = await McpAgent.Connect(fixture.Server, agent.Token);

        var error = await Should.ThrowAsync<McpProtocolException>(() => mcp.Invoke("no_such_tool", new { key = "k" }));

        error.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        error.Message.ShouldContain("no_such_tool");
    }

    [Fact]
    public async Task A_request_from_a_foreign_origin_is_refused_and_changes_nothing()
    {
        var name = UniqueName("mcp-origin");
        var register = new
        {
            jsonrpc = "2.0", id = 1, method = "tools/call",
            @params = new { name = "register_agent", arguments = new { name, type = "llm" } },
        };
        var own = fixture.Server.Address.GetLeftPart(UriPartial.Authority);

        (await PostMcp(register, origin: "http://evil.example")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        // A page that re-points its own name at this loopback-only server sends that name as Host and Origin alike.
        var rebound = $"evil.example:{fixture.Server.Address.Port}";
        (await PostMcp(register, origin: $"http://{rebound}", host: rebound)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await PostMcp(register, origin: "null")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await fixture.Operator.Get($"/api/agents/{name}")).Status.ShouldBe(HttpStatusCode.NotFound);

        (await PostMcp(register, origin: own)).Status.ShouldBe(HttpStatusCode.OK);
        (await fixture.Operator.Get($"/api/agents/{name}")).Status.ShouldBe(HttpStatusCode.OK);
        (await PostMcp(new { jsonrpc = "2.0", id = 2, method = "tools/list" }, origin: null)).Status.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>One JSON-RPC message posted as is; a success answers as an event stream, so only a refusal's body is read.</summary>
    private async Task<ApiResponse> PostMcp(object message, string? origin, string? host = null)
    {
        using var http = fixture.Server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = JsonContent.Create(message) };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = response.IsSuccessStatusCode ? null : JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return new ApiResponse(response.StatusCode, body, response);
    }

    [Fact]
    public async Task A_token_acts_only_as_its_own_agent()
    {
        var alice = await fixture.RegisterBusy("mcp-alice");
        var own = ServerFixture.OwnCapability();
        var bob = await fixture.Register("mcp-bob", own);
        await using var asAlice = await McpAgent.Connect(fixture.Server, alice.Token);
        (await bob.Http.Post("/api/messages", new { content = "for alice", recipients = new[] { alice.Name } })).Status.ShouldBe(HttpStatusCode.Created);
        (await alice.Http.Post("/api/messages", new { content = "for bob", recipients = new[] { bob.Name } })).Status.ShouldBe(HttpStatusCode.Created);

        // The inbox is always the caller's own; there is no argument that names another agent.
        Contents(await asAlice.Call("read_inbox", new { since_seq = 0 })).ShouldBe(["for alice"]);
        (await asAlice.Call("send_message", new { content = "signed", recipients = new[] { bob.Name }, sender = bob.Name }))
            ["sender"]!.GetValue<string>().ShouldBe(alice.Name);
        await asAlice.CallFailing("register_agent", new { name = bob.Name, type = "takeover" }, "conflict");

        var bobsTask = await bob.Http.Post("/api/tasks", new { title = "bob's", assign_to = bob.Name, requirements = new { capabilities = new[] { own } } });
        bobsTask.Status.ShouldBe(HttpStatusCode.Created, bobsTask.Body?.ToJsonString());
        var taskId = bobsTask.Json["id"]!.GetValue<string>();
        await asAlice.CallFailing("complete_task", new { task_id = taskId }, "forbidden");
        await asAlice.CallFailing("update_task", new { task_id = taskId, title = "alice's now" }, "forbidden");
        (await bob.Http.Post("/api/memory", new { key = $"private/{bob.Name}", value = 1, access_control = new { read = new[] { bob.Name }, write = new[] { bob.Name } } }))
            .Status.ShouldBe(HttpStatusCode.Created);
        await asAlice.CallFailing("get_memory", new { key = $"private/{bob.Name}" }, "forbidden");
        await asAlice.CallFailing("set_memory", new { key = $"private/{bob.Name}", value = 2 }, "forbidden");

        (await bob.Http.Get($"/api/tasks/{taskId}")).Json["status"]!.GetValue<string>().ShouldBe("assigned");
        (await bob.Http.Get($"/api/memory/private/{bob.Name}")).Json["value"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task Calls_without_a_valid_token_are_refused()
    {
        await using var anonymous = await McpAgent.Connect(fixture.Server);
        foreach (var (tool, arguments) in new (string, object)[]
                 {
                     ("list_agents", new { }), ("read_inbox", new { }), ("ack_inbox", new { seq = 0 }),
                     ("send_message", new { content = "x", recipients = new[] { "someone" } }), ("create_task", new { title = "t" }),
                     ("claim_task", new { }), ("list_tasks", new { }), ("get_memory", new { key = "k" }),
                     ("set_memory", new { key = "k", value = 1 }), ("list_memory", new { }),
                 })
        {
            await anonymous.CallFailing(tool, arguments, "unauthorized");
        }
        await Should.ThrowAsync<McpException>(() => anonymous.ReadResource("agentchannel://inbox"));

        // A token that is not valid never reaches MCP: 401 with the REST API's problem details.
        var forged = "ac_" + Convert.ToBase64String("nobody"u8.ToArray()).TrimEnd('=') + "_forged";
        (await Should.ThrowAsync<HttpRequestException>(() => McpAgent.Connect(fixture.Server, forged)))
            .StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var raw = fixture.Server.Client(forged);
        (await raw.Send(HttpMethod.Post, "/mcp", new { jsonrpc = "2.0", id = 1, method = "tools/list" },
                request => request.Headers.Accept.ParseAdd("application/json, text/event-stream")))
            .ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_tool_call_is_the_agents_heartbeat_and_brings_it_back_online()
    {
        var agent = await fixture.Register("mcp-alive");
        (await agent.Http.Put($"/api/agents/{agent.Name}/status", new { status = "offline" })).Status.ShouldBe(HttpStatusCode.OK);
        (await agent.Http.Get($"/api/agents/{agent.Name}")).Json["status"]!.GetValue<string>().ShouldBe("offline");
        await using var mcp = await McpAgent.Connect(fixture.Server, agent.Token);

        await mcp.Call("list_memory");

        (await agent.Http.Get($"/api/agents/{agent.Name}")).Json["status"]!.GetValue<string>().ShouldBe("online");
    }

    [Fact]
    public async Task The_endpoint_is_stateless_so_any_gateway_can_answer_any_request()
    {
        var agent = await fixture.Register("mcp-stateless");
        using var http = fixture.Server.Client(agent.Token);

        // No initialize handshake and no session id: a lone tools/call is answered, and no session is handed out.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = JsonContent.Create(new
            {
                jsonrpc = "2.0", id = 7, method = "tools/call",
                @params = new { name = "set_memory", arguments = new { key = $"lone/{agent.Name}", value = 1 } },
            }),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.Contains("Mcp-Session-Id").ShouldBeFalse();
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var reply = JsonNode.Parse(body.Split('\n').Single(line => line.StartsWith("data:", StringComparison.Ordinal))[5..])!;
        reply["result"]!["structuredContent"]!["version"]!.GetValue<long>().ShouldBe(1);
        var stream = await http.Send(HttpMethod.Get, "/mcp", configure: get => get.Headers.Accept.ParseAdd("text/event-stream"));
        stream.ShouldBeProblem(HttpStatusCode.MethodNotAllowed, "invalid");
        stream.Raw.Content.Headers.Allow.ShouldBe(["POST"]);
        (await fixture.Operator.Get($"/api/memory/lone/{agent.Name}")).Json["created_by"]!.GetValue<string>().ShouldBe(agent.Name);
    }

    [Fact]
    public async Task A_body_without_a_content_type_is_415_problem_details_and_blank_or_null_arguments_are_tool_errors()
    {
        var agent = await fixture.Register("mcp-hostile");
        using var http = fixture.Server.Client(agent.Token);
        using var untyped = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new ByteArrayContent("""{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}"""u8.ToArray()),
        };
        untyped.Headers.Accept.ParseAdd("application/json");
        untyped.Headers.Accept.ParseAdd("text/event-stream");

        using var refused = await http.SendAsync(untyped, TestContext.Current.CancellationToken);

        refused.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        await using var mcp = await McpAgent.Connect(fixture.Server, agent.Token);
        await mcp.CallFailing("get_memory", new { key = " " }, "invalid", "key");
        await mcp.CallFailing("set_memory", new { key = " ", value = 1 }, "invalid", "key");
        await mcp.CallFailing("upload_artifact", new { name = "a.txt", content_base64 = (string?)null }, "invalid", "content_base64");
    }

    /// <summary>Where a schema holds <c>true</c> or <c>false</c> in place of a sub-schema (the official TypeScript SDK rejects those).</summary>
    private static IEnumerable<string> BooleanSubSchemas(JsonElement schema, string path)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            yield return path;
            yield break;
        }
        if (schema.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        foreach (var keyword in schema.EnumerateObject())
        {
            var children = keyword.Name switch
            {
                "properties" or "$defs" => keyword.Value.EnumerateObject().Select(p => (p.Value, $"{path}.{p.Name}")),
                "items" or "additionalProperties" or "not" => [(keyword.Value, $"{path}.{keyword.Name}")],
                "anyOf" or "oneOf" or "allOf" => keyword.Value.EnumerateArray().Select((s, i) => (s, $"{path}.{keyword.Name}[{i}]")),
                _ => [],
            };
            foreach (var (child, childPath) in children)
            {
                foreach (var found in BooleanSubSchemas(child, childPath))
                {
                    yield return found;
                }
            }
        }
    }

    private static List<string> Required(JsonElement schema) =>
        [.. schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The inbox's messages (a task the engine handed the agent before it turned busy would sit beside them).</summary>
    private static List<JsonNode> Messages(JsonNode inbox) =>
        [.. inbox["events"]!.AsArray().Select(e => e!).Where(e => e["event"]!.GetValue<string>() == "message:received")];

    private static List<string> Contents(JsonNode inbox) =>
        [.. Messages(inbox).Select(e => e["data"]!["content"]!.GetValue<string>())];
}
