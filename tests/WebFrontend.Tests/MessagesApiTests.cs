using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class MessagesApiTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_direct_message_is_201_and_its_sender_comes_from_the_token_not_the_body()
    {
        var sender = await fixture.Register("sender");
        var recipient = await fixture.Register("recipient");

        var sent = await sender.Http.Post("/api/messages", new
        {
            content = "Starting research task...",
            recipients = new[] { recipient.Name },
            sender = recipient.Name,
            message_type = "status",
            metadata = new { step = 1 },
        });

        sent.Status.ShouldBe(HttpStatusCode.Created);
        sent.Json["sender"]!.GetValue<string>().ShouldBe(sender.Name);
        sent.Json["recipients"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe([recipient.Name]);
        sent.Json["message_type"]!.GetValue<string>().ShouldBe("status");
        sent.Json["metadata"]!["step"]!.GetValue<int>().ShouldBe(1);
        var id = sent.Json["id"]!.GetValue<string>();
        sent.Raw.Headers.Location!.ToString().ShouldBe($"/api/messages/{id}");

        var fetched = await recipient.Http.Get($"/api/messages/{id}");
        fetched.Json["content"]!.GetValue<string>().ShouldBe("Starting research task...");
        fetched.Json["created_at"]!.GetValue<DateTimeOffset>().ShouldBe(sent.Json["created_at"]!.GetValue<DateTimeOffset>());
        var inbox = await recipient.Http.Get($"/api/messages?recipient={recipient.Name}");
        inbox.Json["items"]!.AsArray().Single()!["id"]!.GetValue<string>().ShouldBe(id);
    }

    [Fact]
    public async Task Channel_and_task_thread_messages_are_filterable()
    {
        var poster = await fixture.Register("poster");
        var own = ServerFixture.OwnCapability();
        var worker = await fixture.Register("worker", own);
        var channel = $"room-{Guid.NewGuid():N}"[..13];
        var task = await poster.Http.Post("/api/tasks", new { title = "threaded", assign_to = worker.Name, requirements = new { capabilities = new[] { own } } });
        var taskId = task.Json["id"]!.GetValue<string>();

        (await poster.Http.Post("/api/messages", new { content = "hello room", channel })).Status.ShouldBe(HttpStatusCode.Created);
        var thread = await worker.Http.Post("/api/messages", new { content = "on it", task_id = taskId });
        thread.Status.ShouldBe(HttpStatusCode.Created);
        thread.Json["recipients"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe([poster.Name]);

        var inRoom = await poster.Http.Get($"/api/messages?channel={channel}");
        inRoom.Json["items"]!.AsArray().Single()!["content"]!.GetValue<string>().ShouldBe("hello room");
        (await worker.Http.Get($"/api/messages?channel={channel}")).Json["items"]!.AsArray().ShouldBeEmpty("the worker was not a member when it was posted");
        var inThread = await worker.Http.Get($"/api/messages?task_id={taskId}");
        inThread.Json["items"]!.AsArray().Single()!["content"]!.GetValue<string>().ShouldBe("on it");
        var channelInfo = await worker.Http.Get($"/api/channels/{channel}");
        channelInfo.Json["members"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldBe([poster.Name]);
        channelInfo.Json["message_sequence"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task An_agent_reads_only_what_it_was_party_to_and_a_message_outside_that_is_404_like_a_missing_one()
    {
        var alice = await fixture.Register("alice");
        var bob = await fixture.Register("bob");
        var eve = await fixture.Register("eve");
        var sent = await alice.Http.Post("/api/messages", new { content = "between us", recipients = new[] { bob.Name } });
        var id = sent.Json["id"]!.GetValue<string>();

        (await bob.Http.Get($"/api/messages/{id}")).Status.ShouldBe(HttpStatusCode.OK);
        (await fixture.Operator.Get($"/api/messages/{id}")).Status.ShouldBe(HttpStatusCode.OK);
        var hidden = (await eve.Http.Get($"/api/messages/{id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        hidden.Json["detail"]!.GetValue<string>().ShouldBe($"No message with id {id}.", "told just what a missing id is told");
        foreach (var filter in new[] { "", $"sender={alice.Name}", $"recipient={bob.Name}", "order=asc" })
        {
            (await eve.Http.Get($"/api/messages?{filter}")).Json["items"]!.AsArray().ShouldBeEmpty(filter);
            (await bob.Http.Get($"/api/messages?{filter}")).Json["items"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ShouldContain(id, filter);
        }
    }

    [Fact]
    public async Task History_pages_with_limit_and_cursor_in_either_order_and_filters_by_time()
    {
        var sender = await fixture.Register("pager");
        var recipient = await fixture.Register("paged");
        for (var i = 0; i < 5; i++)
        {
            (await sender.Http.Post("/api/messages", new { content = $"m{i}", recipients = new[] { recipient.Name } })).Status.ShouldBe(HttpStatusCode.Created);
        }

        var page1 = await sender.Http.Get($"/api/messages?sender={sender.Name}&limit=2");
        page1.Json["items"]!.AsArray().Select(m => m!["content"]!.GetValue<string>()).ShouldBe(["m4", "m3"]);
        var cursor = page1.Json["next_cursor"]!.GetValue<string>();
        var page2 = await sender.Http.Get($"/api/messages?sender={sender.Name}&limit=2&cursor={Uri.EscapeDataString(cursor)}");
        page2.Json["items"]!.AsArray().Select(m => m!["content"]!.GetValue<string>()).ShouldBe(["m2", "m1"]);
        var ascending = await sender.Http.Get($"/api/messages?sender={sender.Name}&order=asc&limit=3");
        ascending.Json["items"]!.AsArray().Select(m => m!["content"]!.GetValue<string>()).ShouldBe(["m0", "m1", "m2"]);

        var since = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"));
        (await sender.Http.Get($"/api/messages?sender={sender.Name}&since={since}")).Json["items"]!.AsArray().ShouldBeEmpty();
        (await sender.Http.Get($"/api/messages?sender={sender.Name}&before={since}")).Json["items"]!.AsArray().Count.ShouldBe(5);
    }

    [Fact]
    public async Task Bad_messages_are_refused_with_the_field_and_store_nothing()
    {
        var sender = await fixture.Register("bad");

        (await sender.Http.Post("/api/messages", new { recipients = new[] { "x" } })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "content");
        (await sender.Http.Post("/api/messages", new { content = "x" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "recipients");
        (await sender.Http.Post("/api/messages", new { content = "x", recipients = new[] { "ghost-recipient" } })).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await sender.Http.Post("/api/messages", new { content = "x", task_id = Guid.NewGuid() })).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await sender.Http.Post("/api/messages", new { content = "x", task_id = "not-a-guid" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "task_id");
        (await sender.Http.Post("/api/messages", new { content = "x", channel = "general", metadata = "str" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "metadata");
        (await sender.Http.Post("/api/messages", new { content = new string('x', 70_000), channel = "general" })).ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "too_large", "content");
        (await sender.Http.Post("/api/messages", "{not json")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        (await sender.Http.Post("/api/messages")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        (await fixture.Anonymous.Post("/api/messages", new { content = "x", channel = "general" })).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");

        (await sender.Http.Get($"/api/messages?sender={sender.Name}")).Json["items"]!.AsArray().ShouldBeEmpty();
        (await sender.Http.Get($"/api/messages/{Guid.NewGuid()}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await sender.Http.Get("/api/messages/not-a-guid")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await sender.Http.Get("/api/messages?cursor=@@@")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "cursor");
        // Position 0 (sequences start at 1), and position 1 spelled with bits the server never sets.
        (await sender.Http.Get("/api/messages?cursor=AAAAAAAAAAA")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "cursor");
        (await sender.Http.Get("/api/messages?cursor=AQAAAAAAAAB")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "cursor");
        (await sender.Http.Get("/api/messages?limit=100000")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "limit");
        (await sender.Http.Get("/api/messages?order=sideways")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "order");
    }

    [Fact]
    public async Task A_body_over_the_request_limit_is_413()
    {
        var sender = await fixture.Register("huge");
        // The server refuses the body by its length before reading it; asking first (Expect: 100-continue) lets the
        // client read that answer instead of writing into a connection the server is closing (a broken pipe).
        sender.Http.DefaultRequestHeaders.ExpectContinue = true;
        var response = await sender.Http.Post("/api/messages", new { content = new string('x', 2 * 1024 * 1024), channel = "general" });
        response.ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "too_large");
    }
}
