using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Grains.Tests;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// Traces across the real hosts: two front ends, each with its silo, in one cluster on PostgreSQL; the sender on one,
/// the recipient on the other. An in-memory exporter in the test sees every span of the process. Skipped without
/// AGENTCHANNEL_TEST_POSTGRES.
/// </summary>
public sealed class TracingTests
{
    private static readonly Dictionary<string, string?> Tracing = new() { ["AgentChannel:Tracing:Enabled"] = "true" };

    [Fact(Timeout = 180_000)]
    public async Task A_message_sent_over_WebSocket_is_one_trace_from_the_senders_frame_through_the_commit_to_the_recipients_push_across_two_silos()
    {
        await using var database = await PostgresTestDatabase.Create();
        var exported = new List<Activity>();
        using var tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource([.. AgentChannelTracing.SourceNames, .. AgentChannelTracing.OrleansSources])
            .SetSampler(new FrontDoorSampler(1.0))
            .AddInMemoryExporter(exported)
            .Build();
        var clusterId = $"test-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>(Tracing)
        {
            ["AgentChannel:Storage:Provider"] = "PostgreSQL",
            ["AgentChannel:Storage:PostgresConnectionString"] = database.ConnectionString,
            ["AgentChannel:Silo:ClusterId"] = clusterId,
        };
        await using var first = await AgentChannelServer.StartAsync(Path.Combine(Path.GetTempPath(), "unused-a.db"), settings);
        await using var second = await AgentChannelServer.StartAsync(Path.Combine(Path.GetTempPath(), "unused-b.db"), settings);
        var silos = await first.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, TestContext.Current.CancellationToken);
        silos.Count.ShouldBe(2, "both hosts' silos are in one cluster");

        var suffix = Guid.NewGuid().ToString("N")[..8];
        await using var recipient = await WsClient.Connect(second);
        await recipient.Register(new { name = $"traced-to-{suffix}", type = "worker" });
        await using var sender = await WsClient.Connect(first);
        await sender.Register(new { name = $"traced-from-{suffix}", type = "worker" });

        var clientTrace = ActivityTraceId.CreateRandom();
        var clientSpan = ActivitySpanId.CreateRandom();
        var ack = await sender.Request("message:send", new { content = "traced", recipients = new[] { $"traced-to-{suffix}" } },
            traceparent: $"00-{clientTrace.ToHexString()}-{clientSpan.ToHexString()}-01");
        ack["event"]!.GetValue<string>().ShouldBe("ack", ack.ToJsonString());
        var messageId = ack["data"]!["id"]!.GetValue<string>();
        await recipient.NextPush(push => push["event"]!.GetValue<string>() == EventNames.MessageReceived);

        await Poll.Until(() => Task.FromResult(Spans(exported, clientTrace).Any(span => span.DisplayName == "ws push message:received")),
            "the recipient's push span is exported", onTimeout: () => string.Join("\n", exported.ToArray().OfType<Activity>().Select(span => $"{span.DisplayName} {span.Source.Name} {span.TraceId} {span.ParentSpanId}")));
        var trace = Spans(exported, clientTrace);
        var names = string.Join(", ", trace.Select(span => $"{span.DisplayName} [{span.Source.Name}]"));
        TestContext.Current.TestOutputHelper!.WriteLine(names);

        // The client's span is the parent of the frame's, and every other span hangs off a span of this trace.
        var root = trace.Single(span => span.DisplayName == "ws message:send");
        root.ParentSpanId.ShouldBe(clientSpan);
        root.GetTagItem(AgentChannelTracing.MessageIdTag).ShouldBe(messageId);
        root.GetTagItem(AgentChannelTracing.AgentTag).ShouldBe($"traced-from-{suffix}");
        var spanIds = trace.Select(span => span.SpanId).ToHashSet();
        trace.Where(span => span != root).ShouldAllBe(span => spanIds.Contains(span.ParentSpanId), names);

        // The hops: the gateway, Orleans' grain calls, the commit, the inbox delivery and the recipient's push.
        foreach (var grainCall in new[] { "IMessagesGrain/Send", "IAgentGrain/Deliver", "IInboxObserver/Stored" })
        {
            trace.ShouldContain(span => AgentChannelTracing.OrleansSources.Contains(span.Source.Name) && span.DisplayName == grainCall, names);
        }
        trace.ShouldContain(span => span.DisplayName == "messages store", names);
        trace.ShouldContain(span => span.DisplayName == "postgresql commit" && IsUnder(span, "messages store", trace), names);
        var delivery = trace.Single(span => span.DisplayName == "inbox deliver");
        delivery.GetTagItem(AgentChannelTracing.AgentTag).ShouldBe($"traced-to-{suffix}");
        trace.ShouldContain(span => span.DisplayName == "postgresql commit" && IsUnder(span, "inbox deliver", trace), names);
        var push = trace.Single(span => span.DisplayName == "ws push message:received");
        push.GetTagItem(AgentChannelTracing.AgentTag).ShouldBe($"traced-to-{suffix}");
        IsUnder(push, "inbox deliver", trace).ShouldBeTrue(names);
        // The frame came in on the first host and the push went out of the second, so the unbroken chain between them
        // crossed silos: Orleans carried the context either on the Deliver call or on the observer's push.

        // The console's buffer (every span of this process) has the same trace for the message.
        var buffered = first.Services.GetRequiredService<TraceBuffer>().TracesTagged(AgentChannelTracing.MessageIdTag, messageId);
        buffered.ShouldContain(kept => kept[0].TraceId == clientTrace.ToHexString());
    }

    [Fact]
    public async Task A_REST_send_is_traced_under_the_clients_traceparent_header_or_in_a_trace_of_its_own_and_the_operator_reads_it()
    {
        using var database = new TempDatabase();
        await using var server = await AgentChannelServer.StartAsync(database.Path, Tracing);
        var (_, sender) = await Register(server, "rest-from");
        var (recipient, _) = await Register(server, "rest-to");
        var operatorClient = server.Client(AgentChannelServer.OperatorToken);

        var untraced = await sender.Post("/api/messages", new { content = "untraced", recipients = new[] { recipient } });
        untraced.Status.ShouldBe(System.Net.HttpStatusCode.Created, untraced.Body?.ToJsonString());
        var own = await Traces(operatorClient, untraced.Json["id"]!.GetValue<string>(), spans => spans.Contains("inbox deliver"));
        own.Single()!["spans"]!.AsArray().ShouldContain(span => span!["name"]!.GetValue<string>() == "rest POST /api/messages/" && span["parent_span_id"] == null);

        var clientTrace = ActivityTraceId.CreateRandom().ToHexString();
        var clientSpan = ActivitySpanId.CreateRandom().ToHexString();
        var traced = await sender.Send(HttpMethod.Post, "/api/messages", new { content = "traced", recipients = new[] { recipient } },
            request => request.Headers.Add("traceparent", $"00-{clientTrace}-{clientSpan}-01"));
        var kept = await Traces(operatorClient, traced.Json["id"]!.GetValue<string>(), spans => spans.Contains("inbox deliver"));
        kept.Single()!["trace_id"]!.GetValue<string>().ShouldBe(clientTrace);
        kept.Single()!["spans"]!.AsArray().ShouldContain(span => span!["parent_span_id"]!.GetValue<string>() == clientSpan);

        (await sender.Get($"/api/traces?message_id={traced.Json["id"]}")).ShouldBeProblem(System.Net.HttpStatusCode.Forbidden, "forbidden");
        (await operatorClient.Get("/api/traces")).ShouldBeProblem(System.Net.HttpStatusCode.BadRequest, "invalid");
    }

    private static async Task<(string Name, HttpClient Client)> Register(AgentChannelServer server, string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..20];
        var registered = await server.Client().Post("/api/agents/register", new { name, type = "worker" });
        return (name, server.Client(registered.Json["token"]!.GetValue<string>()));
    }

    private static async Task<System.Text.Json.Nodes.JsonArray> Traces(HttpClient operatorClient, string messageId, Func<string, bool> complete)
    {
        System.Text.Json.Nodes.JsonArray items = [];
        await Poll.Until(async () =>
        {
            var answer = await operatorClient.Get($"/api/traces?message_id={messageId}");
            answer.Status.ShouldBe(System.Net.HttpStatusCode.OK, answer.Body?.ToJsonString());
            items = answer.Json["items"]!.AsArray();
            return items.Count == 1 && complete(items.ToJsonString());
        }, "the message's trace is kept", onTimeout: () => items.ToJsonString());
        return items;
    }

    [Fact]
    public async Task Without_tracing_the_console_buffer_is_off_and_keeps_nothing()
    {
        await using var server = await AgentChannelServer.StartAsync(Path.Combine(Path.GetTempPath(), $"untraced-{Guid.NewGuid():N}.db"));
        var buffer = server.Services.GetRequiredService<TraceBuffer>();
        buffer.Enabled.ShouldBeFalse();
        await using var client = await WsClient.Connect(server);
        await client.Register(new { name = $"untraced-{Guid.NewGuid():N}"[..20], type = "worker" });
        buffer.Snapshot().ShouldBeEmpty();
    }

    /// <summary>What the exporter has so far (it appends from other threads; ToArray copies without enumerating).</summary>
    private static List<Activity> Spans(List<Activity> exported, ActivityTraceId traceId) =>
        [.. exported.ToArray().Where(span => span is not null && span.TraceId == traceId)];

    /// <summary>Whether <paramref name="span"/> descends from a span named <paramref name="ancestor"/>.</summary>
    private static bool IsUnder(Activity span, string ancestor, List<Activity> trace)
    {
        var bySpanId = trace.ToDictionary(each => each.SpanId);
        for (var parent = span.ParentSpanId; bySpanId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
        {
            if (next.DisplayName == ancestor)
            {
                return true;
            }
        }
        return false;
    }
}
