using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>The REST calls the process-level tests (<see cref="ServerProcess"/>) make to set up and to check what is stored.</summary>
internal static class ProcessApi
{
    /// <summary>Registers an agent and returns a client holding its token.</summary>
    public static async Task<HttpClient> Register(ServerProcess server, HttpClient operatorApi, string name, string[] capabilities)
    {
        var registered = await operatorApi.PostAsJsonAsync("/api/agents/register", new { name, type = "test", capabilities }, TestContext.Current.CancellationToken);
        registered.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = JsonNode.Parse(await registered.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        return server.Client(body["token"]!.GetValue<string>());
    }

    /// <summary>The agent's whole inbox, every page, as long-poll events.</summary>
    public static async Task<List<JsonNode>> Inbox(HttpClient agent)
    {
        var events = new List<JsonNode>();
        long since = 0;
        while (true)
        {
            var page = await Json(agent, $"/api/events/poll?since_seq={since}&limit=1000&wait_seconds=0");
            events.AddRange(page["events"]!.AsArray().Select(item => item!));
            since = page["next_since_seq"]!.GetValue<long>();
            if (!page["has_more"]!.GetValue<bool>())
            {
                return events;
            }
        }
    }

    public static async Task<JsonNode> Json(HttpClient api, string url)
    {
        var response = await api.GetAsync(url, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{url}: {text}");
        return JsonNode.Parse(text)!;
    }

    public static async Task Poll(Func<Task<bool>> condition, string what, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
