using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.WebFrontend.Tests.Plugins;

/// <summary>A server of its own whose webhooks retry fast, so retry tests take milliseconds.</summary>
public sealed class WebhookServerFixture : IAsyncLifetime
{
    private readonly TempDatabase _database = new();

    public AgentChannelServer Server { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await AgentChannelServer.StartAsync(_database.Path, new Dictionary<string, string?>
        {
            ["AgentChannel:Webhooks:MaxRetries"] = "4",
            ["AgentChannel:Webhooks:RetryDelayMilliseconds"] = "20",
            ["AgentChannel:Webhooks:AttemptTimeoutSeconds"] = "2",
        });
        Operator = Server.Client(AgentChannelServer.OperatorToken);
    }

    public async ValueTask DisposeAsync()
    {
        Operator.Dispose();
        await Server.DisposeAsync();
        _database.Dispose();
    }

    public async Task<TestAgent> Register(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        using var anonymous = Server.Client();
        var response = await anonymous.Post("/api/agents/register", new { name, type = "llm" });
        var token = response.Json["token"]!.GetValue<string>();
        return new TestAgent(name, Guid.Parse(response.Json["agent"]!["id"]!.GetValue<string>()), token, Server.Client(token));
    }
}

public sealed class WebhookTests(WebhookServerFixture fixture) : IClassFixture<WebhookServerFixture>
{
    [Fact]
    public async Task Webhooks_are_created_listed_read_and_deleted_by_the_operator_only_with_clear_errors()
    {
        var agent = await fixture.Register("agent");
        (await agent.Http.Post("/api/webhooks", new { url = "http://127.0.0.1:9/hook" })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await agent.Http.Get("/api/webhooks")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await fixture.Operator.Post("/api/webhooks", new { url = "ftp://example.com/x" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "url");
        (await fixture.Operator.Post("/api/webhooks", new { url = "not a url" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "url");
        (await fixture.Operator.Post("/api/webhooks", new { url = "http://127.0.0.1:9/hook", events = new[] { "message:sent" } }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "events");
        (await fixture.Operator.Post("/api/webhooks", new { url = "http://127.0.0.1:9/hook", secret = "short" }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "secret");

        var created = await fixture.Operator.Post("/api/webhooks", new { url = "http://127.0.0.1:9/hook", events = new[] { "task:*", "message:received" } });
        created.Status.ShouldBe(HttpStatusCode.Created);
        var id = created.Json["webhook"]!["id"]!.GetValue<string>();
        created.Raw.Headers.Location!.ToString().ShouldBe($"/api/webhooks/{id}");
        created.Json["secret"]!.GetValue<string>().ShouldStartWith("whsec_");
        created.Json["webhook"]!["events"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldBe(["task:*", "message:received"]);

        var read = await fixture.Operator.Get($"/api/webhooks/{id}");
        read.Json["url"]!.GetValue<string>().ShouldBe("http://127.0.0.1:9/hook");
        read.Json["secret"].ShouldBeNull("the secret is shown once, at creation");
        (await fixture.Operator.Get("/api/webhooks")).Json["items"]!.AsArray().Select(w => w!["id"]!.GetValue<string>()).ShouldContain(id);
        (await agent.Http.Delete($"/api/webhooks/{id}")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        (await fixture.Operator.Delete($"/api/webhooks/{id}")).Status.ShouldBe(HttpStatusCode.NoContent);
        (await fixture.Operator.Get($"/api/webhooks/{id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await fixture.Operator.Get($"/api/webhooks/{id}/deliveries")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await fixture.Operator.Get("/api/webhooks")).Json["items"]!.AsArray().Select(w => w!["id"]!.GetValue<string>()).ShouldNotContain(id);
    }

    [Fact]
    public async Task A_delivery_is_signed_retried_on_500_until_it_succeeds_and_logged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, attempt) => attempt <= 2 ? 500 : 200;
        const string secret = "a-test-secret-of-enough-length";
        var created = await fixture.Operator.Post("/api/webhooks", new { url = receiver.Url.ToString(), events = new[] { "message:received" }, secret });
        created.Status.ShouldBe(HttpStatusCode.Created);
        var webhookId = created.Json["webhook"]!["id"]!.GetValue<string>();
        var sender = await fixture.Register("hooked");
        var recipient = await fixture.Register("hookee");

        var sent = await sender.Http.Post("/api/messages", new { content = "to the webhook", recipients = new[] { recipient.Name } });
        var messageId = sent.Json["id"]!.GetValue<string>();

        await Poll.Until(() => Task.FromResult(receiver.Received.Any(hook => hook.Status == 200 && Body(hook)["data"]!["id"]!.GetValue<string>() == messageId)),
            "the receiver to accept the delivery");
        var tries = receiver.Received.Where(hook => Body(hook)["data"]!["id"]!.GetValue<string>() == messageId).ToList();
        tries.Select(hook => hook.Status).ShouldBe([500, 500, 200]);
        tries.Select(hook => hook.Delivery).Distinct().Count().ShouldBe(1);
        foreach (var hook in tries)
        {
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), hook.Body));
            hook.Headers["X-AgentChannel-Signature"].ShouldBe(expected);
            hook.Headers["X-AgentChannel-Event"].ShouldBe("message:received");
            hook.Headers["Content-Type"].ShouldStartWith("application/json");
        }
        var body = Body(tries[^1]);
        body["event"]!.GetValue<string>().ShouldBe("message:received");
        body["webhook_id"]!.GetValue<string>().ShouldBe(webhookId);
        body["data"]!["content"]!.GetValue<string>().ShouldBe("to the webhook");
        body["data"]!["sender"]!.GetValue<string>().ShouldBe(sender.Name);
        tries.Select(hook => Body(hook)["id"]!.GetValue<string>()).Distinct().Count().ShouldBe(1, "every retry carries the same event id");
        // Filtered to message:received: the two registrations (agent:joined) were not sent.
        receiver.Received.ShouldAllBe(hook => hook.Headers["X-AgentChannel-Event"] == "message:received");

        JsonNode? logged = null;
        await Poll.Until(async () =>
        {
            var deliveries = await fixture.Operator.Get($"/api/webhooks/{webhookId}/deliveries");
            logged = deliveries.Json["items"]!.AsArray().SingleOrDefault(d => d!["id"]!.GetValue<string>() == tries[0].Delivery);
            return logged?["status"]!.GetValue<string>() == "delivered";
        }, "the delivery log to say delivered");
        logged!["attempts"]!.GetValue<int>().ShouldBe(3);
        logged["last_status_code"]!.GetValue<int>().ShouldBe(200);
        logged["event"]!.GetValue<string>().ShouldBe("message:received");
        logged["webhook_id"]!.GetValue<string>().ShouldBe(webhookId);
    }

    [Fact]
    public async Task A_receiver_that_is_down_does_not_slow_message_delivery_and_its_failures_are_logged()
    {
        var created = await fixture.Operator.Post("/api/webhooks", new { url = WebhookReceiver.Nowhere().ToString(), events = new[] { "message:*" } });
        var webhookId = created.Json["webhook"]!["id"]!.GetValue<string>();
        var sender = await fixture.Register("busy");
        var recipient = await fixture.Register("reader");

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            (await sender.Http.Post("/api/messages", new { content = $"m{i}", recipients = new[] { recipient.Name } })).Status.ShouldBe(HttpStatusCode.Created);
        }
        var sending = clock.Elapsed;
        (await recipient.Http.Get($"/api/messages?recipient={recipient.Name}&limit=100")).Json["items"]!.AsArray().Count.ShouldBe(20);
        sending.ShouldBeLessThan(TimeSpan.FromSeconds(5), "sends never wait for webhook deliveries");

        await Poll.Until(async () =>
        {
            var deliveries = (await fixture.Operator.Get($"/api/webhooks/{webhookId}/deliveries?limit=100")).Json["items"]!.AsArray();
            return deliveries.Count == 20 && deliveries.All(d => d!["status"]!.GetValue<string>() == "failed");
        }, "every delivery to be logged as failed");
        var one = (await fixture.Operator.Get($"/api/webhooks/{webhookId}/deliveries?limit=1")).Json["items"]!.AsArray().Single()!;
        one["attempts"]!.GetValue<int>().ShouldBe(5, "the first try and 4 retries");
        one["last_status_code"].ShouldBeNull();
        one["last_error"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        (await fixture.Operator.Delete($"/api/webhooks/{webhookId}")).Status.ShouldBe(HttpStatusCode.NoContent);
    }

    private static JsonNode Body(ReceivedHook hook) => JsonNode.Parse(hook.Body)!;
}
