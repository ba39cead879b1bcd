using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// Idempotency keys through the front doors: a repeat with the key and the same request gets the first answer (status
/// and body) and changes nothing, also after a restart; the key with another request is 422 idempotency_mismatch; keys
/// belong to the caller that sent them.
/// </summary>
public sealed class IdempotencyTests
{
    /// <summary>One keyed REST write: what was sent, and the answer it got.</summary>
    private sealed record Sent(HttpMethod Method, string Url, object? Body, string Key, HttpStatusCode Status, string? Answer);

    [Fact]
    public async Task Every_rest_write_repeated_with_its_key_takes_effect_once_and_gets_the_first_answer_also_after_a_restart()
    {
        using var database = new TempDatabase();
        var sent = new List<(string Token, Sent Write)>();
        string aliceToken, bobToken;
        string taskId, secondId;
        await using (var server = await AgentChannelServer.StartAsync(database.Path))
        {
            using var anonymous = server.Client();
            aliceToken = (await anonymous.Post("/api/agents/register", new { name = "alice", type = "llm" })).Json["token"]!.GetValue<string>();
            bobToken = (await anonymous.Post("/api/agents/register", new { name = "bob", type = "llm", capabilities = new[] { "sum" } })).Json["token"]!.GetValue<string>();
            using var alice = server.Client(aliceToken);
            using var bob = server.Client(bobToken);

            async Task<ApiResponse> Twice(HttpClient client, HttpMethod method, string url, object? body, HttpStatusCode expected)
            {
                var key = Guid.NewGuid().ToString();
                var first = await Keyed(client, method, url, body, key);
                first.Status.ShouldBe(expected, first.Body?.ToJsonString());
                var repeat = await Keyed(client, method, url, body, key);
                ShouldBeTheSameAnswer(repeat, first);
                sent.Add((client.DefaultRequestHeaders.Authorization!.Parameter!, new Sent(method, url, body, key, first.Status, first.Body?.ToJsonString())));
                return first;
            }

            var message = await Twice(alice, HttpMethod.Post, "/api/messages", new { content = "once", recipients = new[] { "bob" } }, HttpStatusCode.Created);
            await Twice(alice, HttpMethod.Post, "/api/messages", new { content = "once in the room", channel = "room" }, HttpStatusCode.Created);
            await Twice(bob, HttpMethod.Post, "/api/channels/room/join", null, HttpStatusCode.OK);
            await Twice(bob, HttpMethod.Post, "/api/channels/room/leave", null, HttpStatusCode.OK);
            var task = await Twice(alice, HttpMethod.Post, "/api/tasks", new { title = "sum it", requirements = new { capabilities = new[] { "nothing-has-this" } } }, HttpStatusCode.Created);
            taskId = task.Json["id"]!.GetValue<string>();
            // Busy: the engine gives bob nothing, so the task waits for bob's claim.
            (await bob.Put("/api/agents/bob/status", new { status = "busy" })).Status.ShouldBe(HttpStatusCode.OK);
            await Twice(alice, HttpMethod.Put, $"/api/tasks/{taskId}", new { priority = 1, requirements = new { capabilities = new[] { "sum" } } }, HttpStatusCode.OK);
            var claimed = await Twice(bob, HttpMethod.Post, "/api/tasks/claim", null, HttpStatusCode.OK);
            claimed.Json["id"]!.GetValue<string>().ShouldBe(taskId);
            // Bob keeps this task across the restart: a repeated claim finds the task it claimed while the caller holds it.
            await Twice(bob, HttpMethod.Put, $"/api/tasks/{taskId}", new { status = "in_progress" }, HttpStatusCode.OK);
            var second = await Twice(alice, HttpMethod.Post, "/api/tasks", new { title = "hand on", assign_to = "bob" }, HttpStatusCode.Created);
            secondId = second.Json["id"]!.GetValue<string>();
            await Twice(alice, HttpMethod.Post, $"/api/tasks/{secondId}/assign", new { agent = "alice" }, HttpStatusCode.OK);
            await Twice(alice, HttpMethod.Post, $"/api/tasks/{secondId}/complete", new { result = 42 }, HttpStatusCode.OK);
            await Twice(alice, HttpMethod.Post, "/api/memory", new { key = "plan", value = new { step = 1 } }, HttpStatusCode.Created);
            await Twice(alice, HttpMethod.Put, "/api/memory/plan", new { value = new { step = 2 }, expected_version = 1 }, HttpStatusCode.OK);
            (await alice.Get("/api/memory/plan")).Json["version"]!.GetValue<long>().ShouldBe(2);
            await Twice(alice, HttpMethod.Delete, "/api/memory/plan", null, HttpStatusCode.NoContent);

            // One effect each.
            (await alice.Get("/api/messages?sender=alice")).Json["items"]!.AsArray().Count.ShouldBe(2);
            var inbox = (await bob.Get("/api/events/poll?wait_seconds=0&limit=1000")).Json["events"]!.AsArray();
            inbox.Count(e => e!["event"]!.GetValue<string>() == "message:received").ShouldBe(1);
            inbox.Single(e => e!["event"]!.GetValue<string>() == "message:received")!["data"]!["id"]!.GetValue<string>()
                .ShouldBe(message.Json["id"]!.GetValue<string>());
            (await alice.Get("/api/tasks?creator=alice")).Json["items"]!.AsArray().Count.ShouldBe(2);
            var claimedTask = await alice.Get($"/api/tasks/{taskId}");
            (claimedTask.Json["status"]!.GetValue<string>(), claimedTask.Json["assignments"]!.AsArray().Count).ShouldBe(("in_progress", 1));
            var done = await alice.Get($"/api/tasks/{secondId}");
            (done.Json["status"]!.GetValue<string>(), done.Json["assignments"]!.AsArray().Count).ShouldBe(("completed", 2));
            (await alice.Get("/api/memory/plan")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
            (await alice.Get("/api/channels/room")).Json["message_sequence"]!.GetValue<long>().ShouldBe(1);
        }

        // The answers were stored with the writes, not held in memory: a new process gives the same ones.
        await using var restarted = await AgentChannelServer.StartAsync(database.Path);
        using var aliceAgain = restarted.Client(aliceToken);
        using var bobAgain = restarted.Client(bobToken);
        foreach (var (token, write) in sent)
        {
            var again = await Keyed(token == bobToken ? bobAgain : aliceAgain, write.Method, write.Url, write.Body, write.Key);
            again.Status.ShouldBe(write.Status, $"{write.Method} {write.Url}: {again.Body?.ToJsonString()}");
            again.Body?.ToJsonString().ShouldBe(write.Answer, $"{write.Method} {write.Url}");
        }
        (await aliceAgain.Get("/api/messages?sender=alice")).Json["items"]!.AsArray().Count.ShouldBe(2);
        (await aliceAgain.Get("/api/tasks?creator=alice")).Json["items"]!.AsArray().Count.ShouldBe(2);
        (await aliceAgain.Get($"/api/tasks/{taskId}")).Json["assignments"]!.AsArray().Count.ShouldBe(1);
        (await aliceAgain.Get($"/api/tasks/{secondId}")).Json["assignments"]!.AsArray().Count.ShouldBe(2);
        (await aliceAgain.Get("/api/memory/plan")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_idempotency_mismatch_and_changes_nothing()
    {
        using var database = new TempDatabase();
        await using var server = await AgentChannelServer.StartAsync(database.Path);
        using var anonymous = server.Client();
        await anonymous.Post("/api/agents/register", new { name = "bob", type = "llm" });
        using var alice = await Registered(server, anonymous, "alice");

        var key = Guid.NewGuid().ToString();
        var sent = await Keyed(alice, HttpMethod.Post, "/api/messages", new { content = "first", recipients = new[] { "bob" } }, key);
        sent.Status.ShouldBe(HttpStatusCode.Created);
        var mismatch = (await Keyed(alice, HttpMethod.Post, "/api/messages", new { content = "second", recipients = new[] { "bob" } }, key))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "idempotency_mismatch", "idempotency_key");
        mismatch.Json["type"]!.GetValue<string>().ShouldEndWith("/idempotency_mismatch");
        (await alice.Get("/api/messages?sender=alice")).Json["items"]!.AsArray().Select(m => m!["content"]!.GetValue<string>()).ShouldBe(["first"]);

        var taskKey = Guid.NewGuid().ToString();
        var created = await Keyed(alice, HttpMethod.Post, "/api/tasks", new { title = "one" }, taskKey);
        (await Keyed(alice, HttpMethod.Post, "/api/tasks", new { title = "two" }, taskKey))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "idempotency_mismatch");
        var updateKey = Guid.NewGuid().ToString();
        var id = created.Json["id"]!.GetValue<string>();
        (await Keyed(alice, HttpMethod.Put, $"/api/tasks/{id}", new { priority = 1 }, updateKey)).Status.ShouldBe(HttpStatusCode.OK);
        (await Keyed(alice, HttpMethod.Put, $"/api/tasks/{id}", new { priority = 5 }, updateKey))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "idempotency_mismatch");
        var task = await alice.Get($"/api/tasks/{id}");
        (task.Json["title"]!.GetValue<string>(), task.Json["priority"]!.GetValue<int>()).ShouldBe(("one", 1));

        var memoryKey = Guid.NewGuid().ToString();
        (await Keyed(alice, HttpMethod.Put, "/api/memory/k", new { value = 1 }, memoryKey)).Status.ShouldBe(HttpStatusCode.Created);
        (await Keyed(alice, HttpMethod.Put, "/api/memory/k", new { value = 2 }, memoryKey))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "idempotency_mismatch");
        var memory = await alice.Get("/api/memory/k");
        (memory.Json["value"]!.GetValue<int>(), memory.Json["version"]!.GetValue<long>()).ShouldBe((1, 1L));

        (await Keyed(alice, HttpMethod.Post, "/api/messages", new { content = "x", recipients = new[] { "bob" } }, "has space"))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "Idempotency-Key");

        // The OpenAPI document names the header on the writes that take it.
        var paths = (await anonymous.Get("/openapi/v1.json")).Json["paths"]!;
        foreach (var (path, method) in new[] { ("/api/messages", "post"), ("/api/tasks", "post"), ("/api/tasks/{id}/complete", "post"), ("/api/memory/{key}", "put") })
        {
            paths[path]![method]!["parameters"]!.AsArray().ShouldContain(
                parameter => parameter!["name"]!.GetValue<string>() == "Idempotency-Key" && parameter["in"]!.GetValue<string>() == "header", $"{method} {path}");
        }
    }

    [Fact]
    public async Task A_repeated_send_that_would_now_be_refused_gets_the_stored_message()
    {
        using var database = new TempDatabase();
        await using var server = await AgentChannelServer.StartAsync(database.Path);
        using var anonymous = server.Client();
        using var bob = await Registered(server, anonymous, "bob");
        using var alice = await Registered(server, anonymous, "alice");
        var key = Guid.NewGuid().ToString();
        var body = new { content = "before bob left", recipients = new[] { "bob" } };
        var first = await Keyed(alice, HttpMethod.Post, "/api/messages", body, key);
        first.Status.ShouldBe(HttpStatusCode.Created);

        (await bob.Delete("/api/agents/bob")).Status.ShouldBe(HttpStatusCode.NoContent);
        // The same send made afresh is refused now (bob is gone)...
        (await Keyed(alice, HttpMethod.Post, "/api/messages", body, Guid.NewGuid().ToString())).Status.ShouldNotBe(HttpStatusCode.Created);
        // ...but its repeat (a client that lost the first answer) is told what was stored, and nothing is stored again.
        ShouldBeTheSameAnswer(await Keyed(alice, HttpMethod.Post, "/api/messages", body, key), first);
        (await Keyed(alice, HttpMethod.Post, "/api/messages", body with { content = "another" }, key))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "idempotency_mismatch");
        (await alice.Get("/api/messages?sender=alice")).Json["items"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_repeated_channel_post_after_its_sender_left_gets_the_stored_post_and_does_not_make_it_a_member_again()
    {
        using var database = new TempDatabase();
        await using var server = await AgentChannelServer.StartAsync(database.Path);
        using var anonymous = server.Client();
        using var alice = await Registered(server, anonymous, "alice");
        var key = Guid.NewGuid().ToString();
        var body = new { content = "posted before leaving", channel = "room" };
        var first = await Keyed(alice, HttpMethod.Post, "/api/messages", body, key);
        first.Status.ShouldBe(HttpStatusCode.Created);
        (await alice.Post("/api/channels/room/leave", null)).Status.ShouldBe(HttpStatusCode.OK);

        ShouldBeTheSameAnswer(await Keyed(alice, HttpMethod.Post, "/api/messages", body, key), first);
        (await alice.Get("/api/channels/room")).Json["members"]!.AsArray().ShouldBeEmpty();
        (await Keyed(alice, HttpMethod.Post, "/api/messages", body with { content = "another" }, key))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "idempotency_mismatch");
        (await alice.Get("/api/messages?channel=room")).Json["items"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Keys_belong_to_their_caller_the_same_key_from_two_agents_makes_two_writes()
    {
        using var database = new TempDatabase();
        await using var server = await AgentChannelServer.StartAsync(database.Path);
        using var anonymous = server.Client();
        using var alice = await Registered(server, anonymous, "alice");
        using var bob = await Registered(server, anonymous, "bob");
        const string key = "shared-key-1";

        var fromAlice = await Keyed(alice, HttpMethod.Post, "/api/messages", new { content = "hi", recipients = new[] { "bob" } }, key);
        var fromBob = await Keyed(bob, HttpMethod.Post, "/api/messages", new { content = "hello", recipients = new[] { "alice" } }, key);
        (fromAlice.Status, fromBob.Status).ShouldBe((HttpStatusCode.Created, HttpStatusCode.Created));
        fromBob.Json["id"]!.GetValue<string>().ShouldNotBe(fromAlice.Json["id"]!.GetValue<string>());

        var taskOfAlice = await Keyed(alice, HttpMethod.Post, "/api/tasks", new { title = "a" }, key);
        var taskOfBob = await Keyed(bob, HttpMethod.Post, "/api/tasks", new { title = "b" }, key);
        (taskOfAlice.Status, taskOfBob.Status).ShouldBe((HttpStatusCode.Created, HttpStatusCode.Created));
        taskOfBob.Json["id"]!.GetValue<string>().ShouldNotBe(taskOfAlice.Json["id"]!.GetValue<string>());

        (await Keyed(alice, HttpMethod.Put, "/api/memory/shared", new { value = "a" }, key)).Status.ShouldBe(HttpStatusCode.Created);
        var bobWrites = await Keyed(bob, HttpMethod.Put, "/api/memory/shared", new { value = "b" }, key);
        (bobWrites.Status, bobWrites.Json["version"]!.GetValue<long>()).ShouldBe((HttpStatusCode.OK, 2L));
    }

    [Fact]
    public async Task A_websocket_request_with_an_idempotency_key_is_answered_once_and_a_reused_key_is_an_error_event()
    {
        using var database = new TempDatabase();
        await using var server = await AgentChannelServer.StartAsync(database.Path);
        await using var bob = await WsClient.Connect(server);
        await bob.Register(new { name = "bob", type = "llm" });
        await using var alice = await WsClient.Connect(server);
        await alice.Register(new { name = "alice", type = "llm" });

        // Sent back to back, so the gateway stores them in one call: the repeat inside the batch and the one after it
        // both get the first message.
        var (k1, k2) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var replies = await alice.Pipeline("message:send", [
            new { content = "one", recipients = new[] { "bob" }, idempotency_key = k1 },
            new { content = "two", recipients = new[] { "bob" }, idempotency_key = k2 },
            new { content = "one", recipients = new[] { "bob" }, idempotency_key = k1 },
            new { content = "not one", recipients = new[] { "bob" }, idempotency_key = k1 },
        ]);
        replies.Select(r => r["event"]!.GetValue<string>()).ShouldBe(["ack", "ack", "ack", "error"]);
        replies[2]["data"]!.ToJsonString().ShouldBe(replies[0]["data"]!.ToJsonString());
        replies[3]["data"]!["code"]!.GetValue<string>().ShouldBe("idempotency_mismatch");
        var again = await alice.Request("message:send", new { content = "one", recipients = new[] { "bob" }, idempotency_key = k1 });
        again["data"]!.ToJsonString().ShouldBe(replies[0]["data"]!.ToJsonString());
        var received = await bob.Collect("message:received", 2);
        received.Select(r => r["data"]!["content"]!.GetValue<string>()).ShouldBe(["one", "two"]);

        var taskKey = Guid.NewGuid().ToString();
        var created = await alice.Request("task:create", new { title = "keyed", idempotency_key = taskKey });
        var createdAgain = await alice.Request("task:create", new { title = "keyed", idempotency_key = taskKey });
        createdAgain["data"]!.ToJsonString().ShouldBe(created["data"]!.ToJsonString());
        var memoryKey = Guid.NewGuid().ToString();
        var set = await alice.Request("memory:set", new { key = "k", value = new { a = 1 }, idempotency_key = memoryKey });
        (await alice.Request("memory:set", new { key = "k", value = new { a = 1 }, idempotency_key = memoryKey }))["data"]!.ToJsonString()
            .ShouldBe(set["data"]!.ToJsonString());
        var refused = await alice.Request("memory:set", new { key = "k", value = new { a = 2 }, idempotency_key = memoryKey });
        (refused["event"]!.GetValue<string>(), refused["data"]!["code"]!.GetValue<string>()).ShouldBe(("error", "idempotency_mismatch"));
        (await alice.Request("memory:get", new { key = "k" }))["data"]!["version"]!.GetValue<long>().ShouldBe(1);

        using var rest = server.Client(AgentChannelServer.OperatorToken);
        (await rest.Get("/api/messages?sender=alice")).Json["items"]!.AsArray().Count.ShouldBe(2);
        (await rest.Get("/api/tasks?creator=alice")).Json["items"]!.AsArray().Count.ShouldBe(1);
        var bad = await alice.Request("message:send", new { content = "x", recipients = new[] { "bob" }, idempotency_key = 7 });
        (bad["data"]!["code"]!.GetValue<string>(), bad["data"]!["field"]!.GetValue<string>()).ShouldBe(("invalid", "idempotency_key"));
    }

    [Fact]
    public async Task An_mcp_tool_call_with_an_idempotency_key_is_carried_out_once()
    {
        using var database = new TempDatabase();
        await using var server = await AgentChannelServer.StartAsync(database.Path);
        using var anonymous = server.Client();
        await anonymous.Post("/api/agents/register", new { name = "bob", type = "llm" });
        var token = (await anonymous.Post("/api/agents/register", new { name = "alice", type = "llm" })).Json["token"]!.GetValue<string>();
        await using var mcp = await McpAgent.Connect(server, token);

        var key = Guid.NewGuid().ToString();
        var first = await mcp.Call("send_message", new { content = "via mcp", recipients = new[] { "bob" }, idempotency_key = key });
        var repeat = await mcp.Call("send_message", new { content = "via mcp", recipients = new[] { "bob" }, idempotency_key = key });
        repeat.ToJsonString().ShouldBe(first.ToJsonString());
        await mcp.CallFailing("send_message", new { content = "other", recipients = new[] { "bob" }, idempotency_key = key }, "idempotency_mismatch");
        var taskKey = Guid.NewGuid().ToString();
        var task = await mcp.Call("create_task", new { title = "via mcp", idempotency_key = taskKey });
        (await mcp.Call("create_task", new { title = "via mcp", idempotency_key = taskKey })).ToJsonString().ShouldBe(task.ToJsonString());

        using var rest = server.Client(token);
        (await rest.Get("/api/messages?sender=alice")).Json["items"]!.AsArray().Count.ShouldBe(1);
        (await rest.Get("/api/tasks?creator=alice")).Json["items"]!.AsArray().Count.ShouldBe(1);
    }

    /// <summary>A client with the token of a newly registered agent.</summary>
    private static async Task<HttpClient> Registered(AgentChannelServer server, HttpClient anonymous, string name) =>
        server.Client((await anonymous.Post("/api/agents/register", new { name, type = "llm" })).Json["token"]!.GetValue<string>());

    private static Task<ApiResponse> Keyed(HttpClient client, HttpMethod method, string url, object? body, string key) =>
        client.Send(method, url, body, request => request.Headers.Add("Idempotency-Key", key));

    private static void ShouldBeTheSameAnswer(ApiResponse repeat, ApiResponse first)
    {
        repeat.Status.ShouldBe(first.Status, repeat.Body?.ToJsonString());
        repeat.Body?.ToJsonString().ShouldBe(first.Body?.ToJsonString());
        repeat.Raw.Headers.Location.ShouldBe(first.Raw.Headers.Location);
        repeat.Raw.Headers.ETag.ShouldBe(first.Raw.Headers.ETag);
    }
}
