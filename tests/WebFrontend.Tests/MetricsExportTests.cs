using System.Globalization;
using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>The host's instruments as Prometheus scrapes them from a server process of its own.</summary>
public sealed class MetricsExportTests
{
    [Fact]
    public async Task Prometheus_scrape_reads_known_counts()
    {
        await using var server = await ServerProcess.StartAsync();
        using var anonymous = server.Client();
        using var op = server.Client(AgentChannelServer.OperatorToken);
        var tokens = new List<string>();
        foreach (var name in new[] { "scraped-a", "scraped-b" })
        {
            var registered = await anonymous.Post("/api/agents/register", new { name, type = "llm" });
            registered.Status.ShouldBe(HttpStatusCode.Created);
            tokens.Add(registered.Json["token"]!.GetValue<string>());
        }
        using var sender = server.Client(tokens[0]);
        for (var i = 0; i < 3; i++)
        {
            (await sender.Post("/api/messages", new { content = $"m{i}", recipients = new[] { "scraped-b" } })).Status.ShouldBe(HttpStatusCode.Created);
        }
        // Needs a capability no agent has, so it stays waiting.
        (await op.Post("/api/tasks", new { title = "waits", requirements = new { capabilities = new[] { "nobody-has-this" } } }))
            .Status.ShouldBe(HttpStatusCode.Created);

        string text = "";
        await Poll.Until(async () =>
        {
            var response = await anonymous.GetAsync("/metrics", TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            return Sample(text, "agentchannel_messages_total") == 3 && Sample(text, "agentchannel_tasks_queue_depth") == 1;
        }, "the scrape to show 3 messages and 1 waiting task", onTimeout: () => text);

        Sample(text, "agentchannel_tasks", "status=\"pending\"").ShouldBe(1, text);
        Sample(text, "agentchannel_tasks", "status=\"completed\"").ShouldBe(0, text);
        text.ShouldContain("# TYPE agentchannel_messages_total counter");
        text.ShouldContain("otel_scope_name=\"Orleans.AgentChannel\"");
    }

    /// <summary>The value of the sample of <paramref name="name"/> (with <paramref name="label"/> among its labels), or null.</summary>
    private static double? Sample(string exposition, string name, string? label = null)
    {
        foreach (var line in exposition.Split('\n'))
        {
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (line.StartsWith('#') || nameEnd < 0 || line[..nameEnd] != name)
            {
                continue;
            }
            var labelsEnd = line[nameEnd] == '{' ? line.IndexOf('}', nameEnd) : nameEnd - 1;
            if (label is not null && !line[nameEnd..(labelsEnd + 1)].Contains(label, StringComparison.Ordinal))
            {
                continue;
            }
            return double.Parse(line[(labelsEnd + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return null;
    }
}
