using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class RealtimeTests(ServerFixture fixture)
{
    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    [Fact]
    public async Task Registering_over_websocket_returns_a_token_and_a_second_connection_authenticates_with_it()
    {
        var name = UniqueName("ws-reg");
        await using var first = await WsClient.Connect(fixture.Server);
        var registered = await first.Register(new { name, type = "llm", capabilities = new[] { "code" } });

        registered["agent"]!["name"]!.GetValue<string>().ShouldBe(name);
        var token = registered["token"]!.GetValue<string>();
        registered["inbox"]!["last_seq"]!.GetValue<long>().ShouldBe(0);

        await using var second = await WsClient.Connect(fixture.Server);
        var again = await second.Register(new { token });
        again["agent"]!["name"]!.GetValue<string>().ShouldBe(name);
        again["token"].ShouldBeNull();

        await using var viaHeader = await WsClient.Connect(fixture.Server, token);
        (await viaHeader.Register(new { }))["agent"]!["name"]!.GetValue<string>().ShouldBe(name);

        await using var thief = await WsClient.Connect(fixture.Server);
        var refused = await thief.Request("agent:register", new { name, type = "llm" });
        refused["event"]!.GetValue<string>().ShouldBe("error");
        refused["data"]!["code"]!.GetValue<string>().ShouldBe("conflict");
    }

    [Fact]
    public async Task Two_agents_exchange_direct_and_channel_messages_and_a_third_receives_nothing()
    {
        await using var alice = await WsClient.Connect(fixture.Server);
        await using var bob = await WsClient.Connect(fixture.Server);
        await using var carol = await WsClient.Connect(fixture.Server);
        var aliceName = (await alice.Register(new { name = UniqueName("alice"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();
        var bobName = (await bob.Register(new { name = UniqueName("bob"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();
        await carol.Register(new { name = UniqueName("carol"), type = "llm" });
        var room = UniqueName("room");
        await alice.Ack("channel:join", new { channel = room });
        await bob.Ack("channel:join", new { channel = room });

        var sent = await alice.Ack("message:send", new { content = "hi bob", recipients = new[] { bobName } });
        var direct = await bob.NextPush(p => p["event"]!.GetValue<string>() == "message:received");
        direct["data"]!["id"]!.GetValue<string>().ShouldBe(sent["id"]!.GetValue<string>());
        direct["data"]!["sender"]!.GetValue<string>().ShouldBe(aliceName);
        direct["seq"]!.GetValue<long>().ShouldBe(1);

        await bob.Ack("message:send", new { content = "hello room", channel = room });
        var inRoom = await alice.NextPush(p => p["event"]!.GetValue<string>() == "message:received");
        inRoom["data"]!["channel"]!.GetValue<string>().ShouldBe(room);
        inRoom["data"]!["content"]!.GetValue<string>().ShouldBe("hello room");

        // Carol was addressed by nothing: a request round trip after both sends proves nothing is queued for her.
        await carol.Ack("agent:heartbeat");
        carol.Drain().Where(p => p["event"]!.GetValue<string>() == "message:received").ShouldBeEmpty();
        (await carol.Ack("inbox:ack", new { seq = 0 }))["last_seq"]!.GetValue<long>().ShouldBe(0);
        bob.Drain().Where(p => p["event"]!.GetValue<string>() == "message:received").ShouldBeEmpty();
    }

    [Fact]
    public async Task Pipelined_sends_are_stored_and_delivered_in_order_and_a_refused_one_fails_alone()
    {
        await using var sender = await WsClient.Connect(fixture.Server);
        await using var receiver = await WsClient.Connect(fixture.Server);
        await sender.Register(new { name = UniqueName("pipe-snd"), type = "llm" });
        var receiverName = (await receiver.Register(new { name = UniqueName("pipe-rcv"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();
        var room = UniqueName("pipe-room");
        await sender.Ack("channel:join", new { channel = room });
        var drafts = Enumerable.Range(0, 60).Select(i => i switch
        {
            10 => new { content = "to nobody", recipients = new[] { UniqueName("nobody") } },
            20 => (object)new { content = 20, recipients = new[] { receiverName } },
            30 => new { content = "into the room", channel = room },
            _ => new { content = $"p{i}", recipients = new[] { receiverName } },
        }).ToList();

        var replies = await sender.Pipeline("message:send", drafts);

        replies[10]["event"]!.GetValue<string>().ShouldBe("error");
        replies[10]["data"]!["code"]!.GetValue<string>().ShouldBe("not_found");
        replies[20]["event"]!.GetValue<string>().ShouldBe("error");
        replies[20]["data"]!["code"]!.GetValue<string>().ShouldBe("invalid");
        var acked = replies.Where((_, i) => i is not (10 or 20)).ToList();
        acked.ShouldAllBe(reply => reply["event"]!.GetValue<string>() == "ack");
        var sequences = acked.Select(reply => reply["data"]!["sequence"]!.GetValue<long>()).ToList();
        sequences.ShouldBe(sequences.Order().ToList(), "stored in the order they were sent");
        var expected = Enumerable.Range(0, 60).Where(i => i is not (10 or 20 or 30)).Select(i => $"p{i}").ToList();
        var received = await receiver.Collect("message:received", expected.Count);
        received.Select(push => push["data"]!["content"]!.GetValue<string>()).ShouldBe(expected);
        received.Select(push => push["seq"]!.GetValue<long>()).ShouldBe(Enumerable.Range(1, expected.Count).Select(i => (long)i));
    }

    [Fact]
    public async Task Pipelined_task_creates_are_each_answered_for_their_own_task_and_a_refused_one_fails_alone()
    {
        await using var creator = await WsClient.Connect(fixture.Server);
        var name = (await creator.Register(new { name = UniqueName("pipe-creator"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();
        var requests = Enumerable.Range(0, 40).Select(i => i switch
        {
            7 => new { title = "", requirements = (object?)null, depends_on = (Guid[]?)null },
            13 => new { title = $"c{i}", requirements = (object?)null, depends_on = (Guid[]?)[Guid.NewGuid()] },
            _ => new { title = $"c{i}", requirements = (object?)new { capabilities = new[] { UniqueName("nobody-can") } }, depends_on = (Guid[]?)null },
        }).Cast<object>().ToList();

        var replies = await creator.Pipeline("task:create", requests);

        replies[7]["data"]!["code"]!.GetValue<string>().ShouldBe("invalid");
        replies[13]["data"]!["code"]!.GetValue<string>().ShouldBe("invalid");
        replies[13]["data"]!["field"]!.GetValue<string>().ShouldBe("depends_on");
        var acked = Enumerable.Range(0, 40).Where(i => i is not (7 or 13)).ToList();
        foreach (var i in acked)
        {
            replies[i]["event"]!.GetValue<string>().ShouldBe("ack", replies[i].ToJsonString());
            replies[i]["data"]!["title"]!.GetValue<string>().ShouldBe($"c{i}");
        }
        acked.Select(i => replies[i]["data"]!["id"]!.GetValue<string>()).Distinct().Count().ShouldBe(acked.Count);
        var stored = await fixture.Operator.Get($"/api/tasks?creator={name}&limit=100");
        stored.Json["items"]!.AsArray().Select(task => task!["title"]!.GetValue<string>()).Order()
            .ShouldBe(acked.Select(i => $"c{i}").Order());
    }

    [Fact]
    public async Task An_offline_agent_gets_all_1000_messages_in_order_on_reconnect_and_nothing_again_after_acking()
    {
        var sender = await fixture.Register("bulk-sender");
        var name = UniqueName("bulk-rcv");
        string token;
        await using (var first = await WsClient.Connect(fixture.Server))
        {
            token = (await first.Register(new { name, type = "llm" }))["token"]!.GetValue<string>();
        }

        for (var i = 0; i < 1000; i++)
        {
            (await sender.Http.Post("/api/messages", new { content = $"m{i}", recipients = new[] { name } })).Status.ShouldBe(HttpStatusCode.Created);
        }

        await using (var back = await WsClient.Connect(fixture.Server))
        {
            var ack = await back.Register(new { token });
            ack["inbox"]!["last_seq"]!.GetValue<long>().ShouldBe(1000);
            var received = await back.Collect("message:received", 1000);
            received.Select(p => p["seq"]!.GetValue<long>()).ShouldBe(Enumerable.Range(1, 1000).Select(i => (long)i));
            received.Select(p => p["data"]!["content"]!.GetValue<string>()).ShouldBe(Enumerable.Range(0, 1000).Select(i => $"m{i}"));
            (await back.Ack("inbox:ack", new { seq = 1000 }))["acked_seq"]!.GetValue<long>().ShouldBe(1000);
        }

        await using var third = await WsClient.Connect(fixture.Server);
        (await third.Register(new { token }))["replay_from"]!.GetValue<long>().ShouldBe(1000);
        await sender.Http.Post("/api/messages", new { content = "fresh", recipients = new[] { name } });
        var next = await third.NextPush(p => p["event"]!.GetValue<string>() == "message:received");
        next["seq"]!.GetValue<long>().ShouldBe(1001);
        next["data"]!["content"]!.GetValue<string>().ShouldBe("fresh");
    }

    [Fact]
    public async Task A_dropped_connection_resumes_from_its_last_ack_with_no_gap_and_no_duplicate()
    {
        var sender = await fixture.Register("drop-sender");
        var name = UniqueName("dropper");
        await using var first = await WsClient.Connect(fixture.Server);
        var token = (await first.Register(new { name, type = "llm" }))["token"]!.GetValue<string>();
        for (var i = 1; i <= 10; i++)
        {
            await sender.Http.Post("/api/messages", new { content = $"m{i}", recipients = new[] { name } });
        }
        var seen = await first.Collect("message:received", 10);
        await first.Ack("inbox:ack", new { seq = 6 });
        first.Abort();

        for (var i = 11; i <= 15; i++)
        {
            await sender.Http.Post("/api/messages", new { content = $"m{i}", recipients = new[] { name } });
        }
        await using var second = await WsClient.Connect(fixture.Server);
        (await second.Register(new { token }))["replay_from"]!.GetValue<long>().ShouldBe(6);
        var resumed = await second.Collect("message:received", 9);

        seen.Count.ShouldBe(10);
        resumed.Select(p => p["seq"]!.GetValue<long>()).ShouldBe(Enumerable.Range(7, 9).Select(i => (long)i));
        resumed.Select(p => p["data"]!["content"]!.GetValue<string>()).ShouldBe(Enumerable.Range(7, 9).Select(i => $"m{i}"));
        await second.Ack("agent:heartbeat");
        second.Drain().Where(p => p["event"]!.GetValue<string>() == "message:received").ShouldBeEmpty();
    }

    [Fact]
    public async Task Task_assignments_and_updates_reach_the_right_agents()
    {
        await using var boss = await WsClient.Connect(fixture.Server);
        await using var worker = await WsClient.Connect(fixture.Server);
        await boss.Register(new { name = UniqueName("boss"), type = "llm" });
        var workerName = (await worker.Register(new { name = UniqueName("worker"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();

        var task = await boss.Ack("task:create", new { title = "Analyze data", priority = 1, assign_to = workerName });
        var taskId = task["id"]!.GetValue<string>();
        var assigned = await worker.NextPush(p => p["event"]!.GetValue<string>() == "task:assigned");
        assigned["data"]!["id"]!.GetValue<string>().ShouldBe(taskId);

        await worker.Ack("task:update", new { task_id = taskId, status = "in_progress" });
        (await boss.NextPush(p => p["event"]!.GetValue<string>() == "task:updated"))["data"]!["status"]!.GetValue<string>().ShouldBe("in_progress");
        await worker.Ack("task:complete", new { task_id = taskId, result = new { ok = true } });
        var completed = await boss.NextPush(p => p["event"]!.GetValue<string>() == "task:updated");
        completed["data"]!["status"]!.GetValue<string>().ShouldBe("completed");
        completed["data"]!["result"]!["ok"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Memory_watchers_get_updates_only_for_keys_they_watch_and_may_read()
    {
        await using var writer = await WsClient.Connect(fixture.Server);
        await using var watcher = await WsClient.Connect(fixture.Server);
        await writer.Register(new { name = UniqueName("mwriter"), type = "llm" });
        var watcherName = (await watcher.Register(new { name = UniqueName("mwatch"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();
        var prefix = $"{UniqueName("ns")}/";
        await watcher.Ack("memory:watch", new { prefix });

        await writer.Ack("memory:set", new { key = prefix + "secret", value = 1, access_control = new { read = Array.Empty<string>() } });
        await writer.Ack("memory:set", new { key = "elsewhere/" + Guid.NewGuid(), value = 2 });
        var entry = await writer.Ack("memory:set", new { key = prefix + "open", value = new { findings = "x" } });
        entry["version"]!.GetValue<long>().ShouldBe(1);

        var update = await watcher.NextPush(p => p["event"]!.GetValue<string>() == "memory:updated");
        update["data"]!["key"]!.GetValue<string>().ShouldBe(prefix + "open");
        update["data"]!["value"]!["findings"]!.GetValue<string>().ShouldBe("x");
        update["seq"].ShouldBeNull();
        watcher.Drain().Where(p => p["event"]!.GetValue<string>() == "memory:updated").ShouldBeEmpty();
        (await watcher.Ack("memory:get", new { key = prefix + "open" }))["value"]!["findings"]!.GetValue<string>().ShouldBe("x");
        (await watcher.Request("memory:get", new { key = prefix + "secret" }))["data"]!["code"]!.GetValue<string>().ShouldBe("forbidden");
        watcherName.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_name_with_a_trailing_newline_is_refused_with_the_request_id_and_creates_nothing()
    {
        var name = UniqueName("ws-nl");
        await using var client = await WsClient.Connect(fixture.Server);

        foreach (var refusedName in new[] { "operator\n", name + "\n" })
        {
            var refused = await client.Request("agent:register", new { name = refusedName, type = "llm" });
            refused["event"]!.GetValue<string>().ShouldBe("error", refused.ToJsonString());
            refused["id"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
            refused["data"]!["code"]!.GetValue<string>().ShouldBe("invalid");
            refused["data"]!["field"]!.GetValue<string>().ShouldBe("name");
        }
        (await fixture.Operator.Get($"/api/agents/{name}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");

        await client.Register(new { name, type = "llm" });
        var room = UniqueName("ws-nl-room");
        var join = await client.Request("channel:join", new { channel = room + "\n" });
        join["data"]!["code"]!.GetValue<string>().ShouldBe("invalid");
        join["data"]!["field"]!.GetValue<string>().ShouldBe("channel");
        var send = await client.Request("message:send", new { content = "x", recipients = new[] { name + "\n" } });
        send["data"]!["field"]!.GetValue<string>().ShouldBe("recipients");
        (await fixture.Operator.Get($"/api/channels/{room}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await fixture.Operator.Get($"/api/messages?sender={name}")).Json["items"]!.AsArray().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("task:create", """{"title": "t", "priority": "2"}""", "priority", "'priority' must be an integer.")]
    [InlineData("task:create", """{"title": "t", "priority": null}""", "priority", "'priority' must be an integer.")]
    [InlineData("memory:set", """{"key": "ws-types", "value": 1, "ttl_seconds": "10"}""", "ttl_seconds", "'ttl_seconds' must be a number.")]
    [InlineData("memory:set", """{"key": "ws-types", "value": 1, "expected_version": "0"}""", "expected_version", "'expected_version' must be an integer.")]
    [InlineData("agent:heartbeat", """{"status": "BUSY"}""", "status", "'status' must be one of: online, busy, offline.")]
    [InlineData("message:send", """{"content": 5, "channel": "ws-types"}""", "content", "'content' must be a string.")]
    public async Task Data_of_another_type_than_documented_is_refused_naming_the_field_and_changes_nothing(
        string eventName, string data, string field, string message)
    {
        await using var client = await WsClient.Connect(fixture.Server);
        var name = UniqueName("ws-types");
        await client.Register(new { name, type = "llm" });

        await client.SendRaw($$"""{"event": "{{eventName}}", "id": "typed", "data": {{data}}}""");
        var refused = await client.NextUnmatchedReply();

        refused["event"]!.GetValue<string>().ShouldBe("error", refused.ToJsonString());
        refused["id"]!.GetValue<string>().ShouldBe("typed");
        refused["data"]!["code"]!.GetValue<string>().ShouldBe("invalid");
        refused["data"]!["field"]!.GetValue<string>().ShouldBe(field);
        refused["data"]!["message"]!.GetValue<string>().ShouldBe(message);
        (await fixture.Operator.Get($"/api/tasks?creator={name}")).Json["items"]!.AsArray().ShouldBeEmpty();
        (await fixture.Operator.Get($"/api/messages?sender={name}")).Json["items"]!.AsArray().ShouldBeEmpty();
        (await fixture.Operator.Get($"/api/agents/{name}")).Json["status"]!.GetValue<string>().ShouldBe("online");
        (await fixture.Operator.Get("/api/memory/ws-types")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Malformed_frames_get_errors_with_the_request_id_and_the_server_keeps_serving()
    {
        await using var client = await WsClient.Connect(fixture.Server);

        var early = await client.Request("message:send", new { content = "x", channel = "c" });
        early["event"]!.GetValue<string>().ShouldBe("error");
        early["id"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        early["data"]!["code"]!.GetValue<string>().ShouldBe("unauthorized");

        var wrongToken = await client.Request("agent:register", new { token = "ac_Zm9v_bad" });
        wrongToken["data"]!["code"]!.GetValue<string>().ShouldBe("unauthorized");

        await client.Register(new { name = UniqueName("malformed"), type = "llm" });
        await client.SendRaw("this is not json");
        (await client.NextUnmatchedReply())["data"]!["code"]!.GetValue<string>().ShouldBe("invalid");

        await client.SendRaw("""{"event": "agent:heartbeat", "id": 7}""");
        var numeric = await client.NextUnmatchedReply();
        numeric["event"]!.GetValue<string>().ShouldBe("ack");
        numeric["id"]!.GetValue<int>().ShouldBe(7);

        var unknown = await client.Request("message:teleport", new { });
        unknown["event"]!.GetValue<string>().ShouldBe("error");
        unknown["data"]!["field"]!.GetValue<string>().ShouldBe("event");

        var missing = await client.Request("message:send", new { recipients = new[] { "x" } });
        missing["data"]!["field"]!.GetValue<string>().ShouldBe("content");
        var wrongType = await client.Request("task:create", new { title = "t", priority = "urgent" });
        wrongType["data"]!["code"]!.GetValue<string>().ShouldBe("invalid");
        wrongType["data"]!["field"]!.GetValue<string>().ShouldBe("priority");
        var noTask = await client.Request("task:update", new { status = "in_progress" });
        noTask["data"]!["field"]!.GetValue<string>().ShouldBe("task_id");
        var twice = await client.Request("agent:register", new { name = "again", type = "llm" });
        twice["data"]!["code"]!.GetValue<string>().ShouldBe("conflict");

        (await client.Ack("agent:heartbeat", new { status = "busy" }))["status"]!.GetValue<string>().ShouldBe("busy");

        await using var bystander = await WsClient.Connect(fixture.Server);
        await bystander.Register(new { name = UniqueName("bystander"), type = "llm" });
        await client.SendRaw(new byte[2 * 1024 * 1024].Select(_ => (byte)'x').ToArray());
        await client.Closed.WaitAsync(WsClient.Deadline, TestContext.Current.CancellationToken);
        client.CloseStatus.ShouldBe(System.Net.WebSockets.WebSocketCloseStatus.MessageTooBig);
        client.CloseDescription.ShouldNotBeNullOrEmpty();
        (await bystander.Ack("agent:heartbeat"))["name"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Frames_of_the_wrong_shape_and_blank_memory_keys_are_answered_under_their_id_and_the_connection_serves_on()
    {
        await using var client = await WsClient.Connect(fixture.Server);
        await client.Register(new { name = UniqueName("hostile"), type = "llm" });

        foreach (var frame in new[]
        {
            """{"event": 5, "id": "shape-event"}""",
            """{"event": "agent:heartbeat", "id": "shape-trace", "traceparent": {"a": 1}}""",
        })
        {
            await client.SendRaw(frame);
            var refused = await client.NextUnmatchedReply();
            refused["event"]!.GetValue<string>().ShouldBe("error", refused.ToJsonString());
            refused["id"]!.GetValue<string>().ShouldStartWith("shape-");
            refused["data"]!["code"]!.GetValue<string>().ShouldBe("invalid");
        }
        foreach (var eventName in new[] { "memory:set", "memory:get", "memory:delete" })
        {
            var blank = await client.Request(eventName, new { key = " ", value = 1 });
            blank["event"]!.GetValue<string>().ShouldBe("error", blank.ToJsonString());
            blank["data"]!["code"]!.GetValue<string>().ShouldBe("invalid", blank.ToJsonString());
            blank["data"]!["field"]!.GetValue<string>().ShouldBe("key");
        }
        var array = await client.Request("task:create", Array.Empty<int>());
        array["data"]!["message"]!.GetValue<string>().ShouldBe("The request must be a JSON object.", array.ToJsonString());
        (await client.Ack("agent:heartbeat"))["name"].ShouldNotBeNull();

        using var http = fixture.Server.Client();
        using var plain = await http.GetAsync("/ws", TestContext.Current.CancellationToken);
        plain.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        plain.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Connecting_and_disconnecting_many_times_leaves_no_subscription_behind()
    {
        var gateway = fixture.Server.Gateway;
        var name = UniqueName("churn");
        string token;
        await using (var first = await WsClient.Connect(fixture.Server))
        {
            token = (await first.Register(new { name, type = "llm" }))["token"]!.GetValue<string>();
        }

        for (var i = 0; i < 40; i++)
        {
            await using var client = await WsClient.Connect(fixture.Server);
            await client.Register(new { token });
            if (i % 2 == 0)
            {
                client.Abort();
            }
        }

        await Poll.Until(() => Task.FromResult(gateway.Connections.All(c => c.AgentName != name)), "the gateway to forget the connections");
        await Poll.Until(() => Task.FromResult(gateway.ObserverCount == gateway.Connections.Count(c => c.AgentName is not null)),
            "every inbox observer the gateway made to belong to a registered connection");
    }

    [Fact]
    public async Task Memory_can_be_deleted_and_a_profile_updated_over_websocket()
    {
        await using var client = await WsClient.Connect(fixture.Server);
        var registered = await client.Register(new { name = UniqueName("profile"), type = "llm", capabilities = new[] { "a" } });
        var key = $"{UniqueName("wsdel")}/k";
        await client.Ack("memory:set", new { key, value = 1 });

        (await client.Ack("memory:delete", new { key, expected_version = 1 }))["deleted"]!.GetValue<bool>().ShouldBeTrue();
        (await client.Request("memory:get", new { key }))["data"]!["code"]!.GetValue<string>().ShouldBe("not_found");

        await using var again = await WsClient.Connect(fixture.Server);
        var updated = await again.Register(new { token = registered["token"]!.GetValue<string>(), capabilities = new[] { "a", "b" } });
        updated["agent"]!["type"]!.GetValue<string>().ShouldBe("llm");
        updated["agent"]!["capabilities"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task A_stale_assignment_id_gets_a_lease_lost_error_frame_and_the_worker_a_lease_lost_push()
    {
        await using var boss = await WsClient.Connect(fixture.Server);
        await using var first = await WsClient.Connect(fixture.Server);
        await using var second = await WsClient.Connect(fixture.Server);
        await boss.Register(new { name = UniqueName("ws-boss"), type = "llm" });
        var firstName = (await first.Register(new { name = UniqueName("ws-first"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();
        var secondName = (await second.Register(new { name = UniqueName("ws-second"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();
        // Busy: the engine hands them none of the other tests' tasks; explicit assignments still reach them.
        await first.Ack("agent:heartbeat", new { status = "busy" });
        await second.Ack("agent:heartbeat", new { status = "busy" });

        var taskId = (await boss.Ack("task:create", new { title = "ws fenced", assign_to = firstName }))["id"]!.GetValue<string>();
        bool About(JsonNode push, string eventName) =>
            push["event"]!.GetValue<string>() == eventName && push["data"]!.ToJsonString().Contains(taskId, StringComparison.Ordinal);
        var assigned = await first.NextPush(p => About(p, "task:assigned"));
        var firstAssignment = assigned["data"]!["assignment_id"]!.GetValue<string>();
        await boss.Ack("task:assign", new { task_id = taskId, agent = secondName });

        var lost = await first.NextPush(p => About(p, "task:lease_lost"));
        lost["seq"]!.GetValue<long>().ShouldBeGreaterThan(assigned["seq"]!.GetValue<long>());
        lost["data"]!["task_id"]!.GetValue<string>().ShouldBe(taskId);
        lost["data"]!["assignment_id"]!.GetValue<string>().ShouldBe(firstAssignment);
        lost["data"]!["reason"]!.GetValue<string>().ShouldBe("reassigned");
        var refused = await first.Request("task:complete", new { task_id = taskId, result = 1, assignment_id = firstAssignment });
        refused["event"]!.GetValue<string>().ShouldBe("error");
        refused["id"]!.GetValue<string>().ShouldStartWith("r");
        refused["data"]!["code"]!.GetValue<string>().ShouldBe("lease_lost");
        refused["data"]!["field"]!.GetValue<string>().ShouldBe("assignment_id");
        (await first.Request("task:update", new { task_id = taskId, status = "in_progress", assignment_id = firstAssignment }))["data"]!["code"]!
            .GetValue<string>().ShouldBe("lease_lost");

        var secondAssignment = (await second.NextPush(p => About(p, "task:assigned")))["data"]!["assignment_id"]!.GetValue<string>();
        var done = await second.Ack("task:complete", new { task_id = taskId, result = 2, assignment_id = secondAssignment });
        done["status"]!.GetValue<string>().ShouldBe("completed");
        done["result"]!.GetValue<int>().ShouldBe(2);
    }
}
