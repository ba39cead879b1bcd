using System.Diagnostics;
using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests.Plugins;

public sealed class ExtensionPointTests(PluginServerFixture fixture) : IClassFixture<PluginServerFixture>
{
    private static string Capability() => $"plugin-cap-{Guid.NewGuid():N}";

    private static async Task<string> TaskStatus(TestAgent creator, string id) =>
        (await creator.Http.Get($"/api/tasks/{id}")).Json["status"]!.GetValue<string>();

    [Fact]
    public async Task A_plugin_strategy_chooses_the_assignee_and_the_engine_honours_it()
    {
        var capability = Capability();
        var creator = await fixture.Register("creator");
        var first = await fixture.Register("aaa", capability);
        var second = await fixture.Register("zzz", capability);

        // Left to the built-in strategy (equal load, then name) the task would go to "aaa-...".
        var picked = await creator.Http.Post("/api/tasks", new { title = "picked", requirements = new { capabilities = new[] { capability }, pick = second.Name } });
        var deferred = await creator.Http.Post("/api/tasks", new { title = "default", requirements = new { capabilities = new[] { capability } } });

        await Poll.Until(async () => await TaskStatus(creator, picked.Json["id"]!.GetValue<string>()) == "assigned", "the picked task to be assigned");
        (await creator.Http.Get($"/api/tasks/{picked.Json["id"]}")).Json["assigned_to"]!.GetValue<string>().ShouldBe(second.Name);
        await Poll.Until(async () => await TaskStatus(creator, deferred.Json["id"]!.GetValue<string>()) == "assigned", "the deferred task to be assigned");
        (await creator.Http.Get($"/api/tasks/{deferred.Json["id"]}")).Json["assigned_to"]!.GetValue<string>().ShouldBe(first.Name);
    }

    [Fact]
    public async Task A_strategy_cannot_hand_a_task_to_an_agent_that_lacks_the_capability_and_can_make_it_wait()
    {
        var capability = Capability();
        var creator = await fixture.Register("creator");
        await fixture.Register("able", capability);
        var unable = await fixture.Register("unable");
        var strategy = fixture.Plugin<PickAssignmentStrategy>();

        var wrong = await creator.Http.Post("/api/tasks", new { title = "wrong pick", requirements = new { capabilities = new[] { capability }, pick = unable.Name } });
        var held = await creator.Http.Post("/api/tasks", new { title = "held", requirements = new { capabilities = new[] { capability }, hold = true } });
        var wrongId = Guid.Parse(wrong.Json["id"]!.GetValue<string>());
        var heldId = Guid.Parse(held.Json["id"]!.GetValue<string>());

        // The engine keeps asking (every 50 ms here) and keeps getting no acceptable agent.
        await Poll.Until(() => Task.FromResult(strategy.Asked.GetValueOrDefault(wrongId) >= 3 && strategy.Asked.GetValueOrDefault(heldId) >= 3),
            "the strategy to be asked about both tasks a few times");
        (await TaskStatus(creator, wrongId.ToString())).ShouldBe("pending");
        (await TaskStatus(creator, heldId.ToString())).ShouldBe("pending");
    }

    [Fact]
    public async Task A_strategy_that_throws_or_hangs_counts_as_deferring_and_the_tasks_are_still_assigned()
    {
        var capability = Capability();
        var creator = await fixture.Register("creator");
        var worker = await fixture.Register("worker", capability);

        var exploded = await creator.Http.Post("/api/tasks", new { title = "explodes", requirements = new { capabilities = new[] { capability }, explode = true } });
        var stalled = await creator.Http.Post("/api/tasks", new { title = "stalls", requirements = new { capabilities = new[] { capability }, stall = true } });

        foreach (var id in new[] { exploded.Json["id"]!.GetValue<string>(), stalled.Json["id"]!.GetValue<string>() })
        {
            await Poll.Until(async () => await TaskStatus(creator, id) == "assigned", $"task {id} to be assigned despite the faulty strategy");
            (await creator.Http.Get($"/api/tasks/{id}")).Json["assigned_to"]!.GetValue<string>().ShouldBe(worker.Name);
        }
        var health = await fixture.Health<FaultyAssignmentStrategy>();
        health["errors"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(1);
        health["timeouts"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task An_interceptor_rejects_a_message_nothing_is_stored_or_delivered_and_the_sender_gets_rejected_on_rest_and_ws()
    {
        var sender = await fixture.Register("sender");
        var recipient = await fixture.Register("recipient");
        await using var recipientSocket = await WsClient.Connect(fixture.Server, recipient.Token);
        await recipientSocket.Register(new { name = recipient.Name });
        await using var senderSocket = await WsClient.Connect(fixture.Server, sender.Token);
        await senderSocket.Register(new { name = sender.Name });

        var refused = await sender.Http.Post("/api/messages", new { content = "this has a forbidden-word in it", recipients = new[] { recipient.Name } });
        refused.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "rejected");
        refused.Json["detail"]!.GetValue<string>().ShouldContain("it contains a forbidden word");
        var overWs = await senderSocket.Request("message:send", new { content = "forbidden-word again", recipients = new[] { recipient.Name } });
        overWs["event"]!.GetValue<string>().ShouldBe("error");
        overWs["data"]!["code"]!.GetValue<string>().ShouldBe("rejected");
        var channel = $"room-{Guid.NewGuid():N}"[..13];
        (await sender.Http.Post("/api/messages", new { content = "forbidden-word in a room", channel }))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "rejected");
        (await sender.Http.Get($"/api/channels/{channel}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");

        (await sender.Http.Post("/api/messages", new { content = "fine", recipients = new[] { recipient.Name } })).Status.ShouldBe(HttpStatusCode.Created);
        // The recipient's first push is the accepted message: the rejected ones never reached its inbox.
        var push = await recipientSocket.NextPush(frame => frame["event"]!.GetValue<string>() == "message:received");
        push["data"]!["content"]!.GetValue<string>().ShouldBe("fine");
        var stored = await sender.Http.Get($"/api/messages?sender={sender.Name}");
        stored.Json["items"]!.AsArray().Select(m => m!["content"]!.GetValue<string>()).ShouldBe(["fine"]);
    }

    [Fact]
    public async Task An_interceptor_enriches_and_redacts_what_is_stored_and_delivered()
    {
        var sender = await fixture.Register("sender");
        var recipient = await fixture.Register("recipient");
        await using var recipientSocket = await WsClient.Connect(fixture.Server, recipient.Token);
        await recipientSocket.Register(new { name = recipient.Name });

        var sent = await sender.Http.Post("/api/messages", new { content = "the secret plan", recipients = new[] { recipient.Name }, metadata = new { step = 1 } });

        sent.Status.ShouldBe(HttpStatusCode.Created);
        sent.Json["content"]!.GetValue<string>().ShouldBe("the [redacted] plan");
        sent.Json["metadata"]!["checked_by"]!.GetValue<string>().ShouldBe("policy");
        sent.Json["metadata"]!["sender_seen"]!.GetValue<string>().ShouldBe(sender.Name);
        sent.Json["metadata"]!["step"]!.GetValue<int>().ShouldBe(1);
        var stored = await recipient.Http.Get($"/api/messages/{sent.Json["id"]}");
        stored.Json["content"]!.GetValue<string>().ShouldBe("the [redacted] plan");
        stored.Json["metadata"]!["checked_by"]!.GetValue<string>().ShouldBe("policy");
        var push = await recipientSocket.NextPush(frame => frame["event"]!.GetValue<string>() == "message:received");
        push["data"]!["content"]!.GetValue<string>().ShouldBe("the [redacted] plan");

        var channel = $"room-{Guid.NewGuid():N}"[..13];
        var posted = await sender.Http.Post("/api/messages", new { content = "secret in a room", channel });
        posted.Json["content"]!.GetValue<string>().ShouldBe("[redacted] in a room");
        posted.Json["metadata"]!["checked_by"]!.GetValue<string>().ShouldBe("policy");
    }

    [Fact]
    public async Task A_throwing_hanging_or_misbehaving_interceptor_does_not_stop_messages()
    {
        var sender = await fixture.Register("sender");
        var recipient = await fixture.Register("recipient");

        var thrown = await sender.Http.Post("/api/messages", new { content = "[throw] still goes", recipients = new[] { recipient.Name } });
        thrown.Status.ShouldBe(HttpStatusCode.Created);
        thrown.Json["metadata"]!["checked_by"]!.GetValue<string>().ShouldBe("policy");
        thrown.Json["metadata"]!["faulty"].ShouldBeNull();

        var clock = Stopwatch.StartNew();
        var hung = await sender.Http.Post("/api/messages", new { content = "[hang] still goes", recipients = new[] { recipient.Name } });
        hung.Status.ShouldBe(HttpStatusCode.Created);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3), "the 300 ms plugin time-out bounds the wait, not the plugin's 5 s");

        var huge = await sender.Http.Post("/api/messages", new { content = "[huge] still goes", recipients = new[] { recipient.Name } });
        huge.Status.ShouldBe(HttpStatusCode.Created);
        huge.Json["content"]!.GetValue<string>().ShouldBe("[huge] still goes");

        var received = await recipient.Http.Get($"/api/messages?recipient={recipient.Name}&order=asc");
        received.Json["items"]!.AsArray().Select(m => m!["content"]!.GetValue<string>())
            .ShouldBe(["[throw] still goes", "[hang] still goes", "[huge] still goes"]);
        var health = await fixture.Health<FaultyInterceptor>();
        health["errors"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(2);
        health["timeouts"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(1);
        health["healthy"]!.GetValue<bool>().ShouldBeFalse();
        health["last_error"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Every_sink_receives_activity_events_failures_are_retried_and_a_hanging_sink_slows_nothing()
    {
        var sender = await fixture.Register("sender");
        var recipient = await fixture.Register("recipient");
        var recording = fixture.Plugin<RecordingSink>();
        var flaky = fixture.Plugin<FlakySink>();

        var clock = Stopwatch.StartNew();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var sent = await sender.Http.Post("/api/messages", new { content = $"sink {i}", recipients = new[] { recipient.Name } });
            sent.Status.ShouldBe(HttpStatusCode.Created);
            ids.Add(sent.Json["id"]!.GetValue<string>());
        }
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3), "five sends do not wait for a sink that never answers");

        bool Has(IEnumerable<Orleans.AgentChannel.Plugins.SinkEvent> events, string id) =>
            events.Any(e => e.Event == "message:received" && e.Data.Text.Contains(id, StringComparison.Ordinal));
        await Poll.Until(() => Task.FromResult(ids.All(id => Has(recording.Events, id))), "the recording sink to get every message");
        await Poll.Until(() => Task.FromResult(ids.All(id => Has(flaky.Taken, id))), "the flaky sink to get every message after retries");
        recording.Events.Count(e => e.Event == "agent:joined" && e.Data.Text.Contains(sender.Name, StringComparison.Ordinal)).ShouldBe(1);

        var flakyHealth = await fixture.Health<FlakySink>();
        flakyHealth["retries"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(10);
        // Its non-message events fail every try and are counted once each when the retries run out.
        await Poll.Until(async () => (await fixture.Health<FlakySink>())["events_failed"]!.GetValue<long>() > 0, "failed events to be counted");
        await Poll.Until(async () => (await fixture.Health<HangingSink>())["timeouts"]!.GetValue<long>() > 0, "the hanging sink's time-outs to be counted");
    }

    [Fact]
    public async Task Plugin_health_is_for_the_operator_only()
    {
        var agent = await fixture.Register("nosy");
        (await agent.Http.Get("/api/plugins")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        var plugins = await fixture.Operator.Get("/api/plugins");
        plugins.Json["items"]!.AsArray().Select(item => item!["name"]!.GetValue<string>())
            .ShouldContain(typeof(PickAssignmentStrategy).FullName!);
    }
}
