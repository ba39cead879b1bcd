using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>/api/events (SSE), /api/events/poll and /api/events/ack over real HTTP against the real host.</summary>
public sealed class EventsApiTests(ServerFixture fixture)
{
    [Fact]
    public async Task The_stream_replays_the_inbox_then_delivers_live_each_event_with_its_seq_as_id()
    {
        var (reader, sender) = (await fixture.RegisterBusy("sse-reader"), await fixture.Register("sse-sender"));
        await Send(sender, reader, "one", "two");

        await using var stream = await EventStream.Open(fixture.Server, reader.Token);
        var replayed = new[] { await stream.Next(), await stream.Next() };
        await Send(sender, reader, "three");
        var live = await stream.Next();

        Contents([.. replayed, live]).ShouldBe(["one", "two", "three"]);
        foreach (var item in (SseEvent[])[.. replayed, live])
        {
            item.Event.ShouldBe("message:received");
            item.Data["sender"]!.GetValue<string>().ShouldBe(sender.Name);
        }
        Ids([.. replayed, live]).ShouldBe(ConsecutiveFrom(replayed[0].Id!.Value, 3));
        stream.ContentType.ShouldBe("text/event-stream");
    }

    [Fact]
    public async Task A_dropped_stream_resumes_from_Last_Event_ID_with_no_gap_and_no_duplicate_and_acked_events_stay_behind()
    {
        var (reader, sender) = (await fixture.RegisterBusy("sse-resume"), await fixture.Register("sse-resume-from"));
        await Send(sender, reader, "m1", "m2", "m3");

        long lastSeen;
        await using (var first = await EventStream.Open(fixture.Server, reader.Token))
        {
            var seen = new[] { await first.Next(), await first.Next() };
            Contents(seen).ShouldBe(["m1", "m2"]);
            lastSeen = seen[^1].Id!.Value;
        }
        // Stored while no stream is open: only the inbox holds them.
        await Send(sender, reader, "m4", "m5");

        await using (var resumed = await EventStream.Open(fixture.Server, reader.Token, lastEventId: lastSeen))
        {
            var rest = new[] { await resumed.Next(), await resumed.Next(), await resumed.Next() };
            Contents(rest).ShouldBe(["m3", "m4", "m5"]);
            Ids(rest).ShouldBe(ConsecutiveFrom(lastSeen + 1, 3));
            // The next event after m5 is the next one sent: nothing was repeated in between.
            await Send(sender, reader, "m6");
            var next = await resumed.Next();
            next.Data["content"]!.GetValue<string>().ShouldBe("m6");
            next.Id.ShouldBe(lastSeen + 4);
        }

        var acked = await reader.Http.Post("/api/events/ack", new { seq = lastSeen + 2 });
        acked.Status.ShouldBe(HttpStatusCode.OK);
        acked.Json["acked_seq"]!.GetValue<long>().ShouldBe(lastSeen + 2);
        // Without Last-Event-ID a stream starts after the last ack.
        await using var afterAck = await EventStream.Open(fixture.Server, reader.Token);
        Contents([await afterAck.Next(), await afterAck.Next()]).ShouldBe(["m5", "m6"]);
    }

    [Fact]
    public async Task A_long_poll_answers_at_once_when_events_wait_and_otherwise_as_soon_as_one_is_stored()
    {
        var (reader, sender) = (await fixture.RegisterBusy("poll-reader"), await fixture.Register("poll-sender"));
        await Send(sender, reader, "waiting");

        var ready = await reader.Http.Get("/api/events/poll?wait_seconds=0");
        ready.Status.ShouldBe(HttpStatusCode.OK);
        var waiting = ready.Json["events"]!.AsArray().ShouldHaveSingleItem()!;
        waiting["data"]!["content"]!.GetValue<string>().ShouldBe("waiting");
        var seq = waiting["seq"]!.GetValue<long>();
        ready.Json["next_since_seq"]!.GetValue<long>().ShouldBe(seq);
        (await reader.Http.Get($"/api/events/poll?since_seq={seq}&wait_seconds=0")).Json["events"]!.AsArray().ShouldBeEmpty();

        // Offline, so the poll's subscription shows: it brings the agent online once it waits for events.
        (await reader.Http.Put($"/api/agents/{reader.Name}/status", new { status = "offline" })).Status.ShouldBe(HttpStatusCode.OK);
        var poll = reader.Http.Get($"/api/events/poll?since_seq={seq}&wait_seconds=30");
        await Poll.Until(async () => (await reader.Http.Get($"/api/agents/{reader.Name}")).Json["status"]!.GetValue<string>() == "online",
            "the long poll to subscribe");
        poll.IsCompleted.ShouldBeFalse("nothing was stored after since_seq, so the poll waits");
        await Send(sender, reader, "live");

        var answered = await poll.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var live = answered.Json["events"]!.AsArray().ShouldHaveSingleItem()!;
        live["data"]!["content"]!.GetValue<string>().ShouldBe("live");
        live["seq"]!.GetValue<long>().ShouldBe(seq + 1);
    }

    [Fact]
    public async Task Bad_requests_are_refused_and_change_nothing()
    {
        var agent = await fixture.Register("events-bad");
        (await agent.Http.Put($"/api/agents/{agent.Name}/status", new { status = "offline" })).Status.ShouldBe(HttpStatusCode.OK);

        (await agent.Http.Send(HttpMethod.Get, "/api/events", configure: r => r.Headers.Add("Last-Event-ID", "latest")))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "Last-Event-ID");
        (await agent.Http.Get("/api/events/poll?wait_seconds=61")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "wait_seconds");
        (await agent.Http.Get("/api/events/poll?limit=0")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "limit");
        (await agent.Http.Get("/api/events/poll?since_seq=-1")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "since_seq");
        (await agent.Http.Get("/api/events/poll?since_seq=soon")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        (await agent.Http.Post("/api/events/ack", new { seq = 1 })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "seq");
        (await agent.Http.Post("/api/events/ack", new { })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "seq");
        (await fixture.Operator.Get("/api/events/poll?wait_seconds=0")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await fixture.Operator.Get("/api/events")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await fixture.Anonymous.Get("/api/events/poll?wait_seconds=0")).Status.ShouldBe(HttpStatusCode.Unauthorized);

        // None of them opened a subscription: the agent is still offline and its inbox unacked.
        (await agent.Http.Get($"/api/agents/{agent.Name}")).Json["status"]!.GetValue<string>().ShouldBe("offline");
        var position = await agent.Http.Post("/api/events/ack", new { seq = 0 });
        position.Json["acked_seq"]!.GetValue<long>().ShouldBe(0);
    }

    private static async Task Send(TestAgent sender, TestAgent recipient, params string[] contents)
    {
        foreach (var content in contents)
        {
            (await sender.Http.Post("/api/messages", new { content, recipients = new[] { recipient.Name } })).Status.ShouldBe(HttpStatusCode.Created);
        }
    }

    private static List<string> Contents(IEnumerable<SseEvent> events) => [.. events.Select(e => e.Data["content"]!.GetValue<string>())];

    private static List<long> Ids(IEnumerable<SseEvent> events) => [.. events.Select(e => e.Id!.Value)];

    private static List<long> ConsecutiveFrom(long first, int count) => [.. Enumerable.Range(0, count).Select(i => first + i)];
}

public sealed record SseEvent(long? Id, string Event, JsonNode Data);

/// <summary>GET /api/events read as a script would: line by line, comments skipped, one event per blank line.</summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStream(HttpClient http, HttpResponseMessage response, StreamReader reader)
    {
        _http = http;
        _response = response;
        _reader = reader;
    }

    public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

    public static async Task<EventStream> Open(AgentChannelServer server, string token, long? lastEventId = null)
    {
        var http = server.Client(token);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        return new EventStream(http, response, new StreamReader(body, Encoding.UTF8));
    }

    /// <summary>The next event; fails after <paramref name="deadline"/> (10 s) without one.</summary>
    public async Task<SseEvent> Next(TimeSpan? deadline = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(deadline ?? TimeSpan.FromSeconds(10));
        long? id = null;
        string? name = null;
        var data = new StringBuilder();
        while (await _reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    return new SseEvent(id, name ?? "message", JsonNode.Parse(data.ToString())!);
                }
                continue;
            }
            var (field, value) = line.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0
                ? (line[..colon], line[(colon + 1)..].TrimStart(' '))
                : (line, "");
            switch (field)
            {
                case "id":
                    id = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "event":
                    name = value;
                    break;
                case "data":
                    data.Append(data.Length > 0 ? "\n" : "").Append(value);
                    break;
            }
        }
        throw new InvalidOperationException("The event stream ended.");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
