using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>Runs alone: it counts the host's activity subscriptions, which other open tabs would change.</summary>
[CollectionDefinition(nameof(SubscriptionTests), DisableParallelization = true)]
public sealed class SubscriptionTestsCollection;

[Collection(nameof(SubscriptionTests))]
public sealed class SubscriptionTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_console_tab_holds_one_activity_subscription_and_releases_it_when_closed()
    {
        var before = await fixture.Server.ActivitySubscriptions();

        var console = await fixture.Open("/console", "Agents");
        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before + 1, "the tab's subscription");
        await console.Page.GotoAsync("/console/tasks");
        await Expect(console.Page.GetByRole(AriaRole.Heading, new() { Name = "Task board" })).ToBeVisibleAsync();
        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before + 1, "still one subscription after moving between pages");

        await console.DisposeAsync();
        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before, "the subscription to be released");
    }

    [Fact]
    public async Task A_tab_whose_goodbye_never_arrives_releases_its_subscription_when_its_connection_drops()
    {
        var before = await fixture.Server.ActivitySubscriptions();
        var console = await fixture.Open("/console", "Agents");
        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before + 1, "the tab's subscription");

        // As after a killed browser or a lost network: Blazor's unload beacon never arrives, so the circuit is kept
        // for minutes in case the tab comes back.
        await console.Page.Context.RouteAsync("**/_blazor/disconnect**", route => route.AbortAsync());
        await console.DisposeAsync();

        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before, "the subscription to be released");
    }

    [Theory]
    [InlineData("/console", "Agents")]
    [InlineData("/console/tasks", "Task board")]
    [InlineData("/console/messages", "Messages")]
    [InlineData("/console/memory", "Memory")]
    public async Task A_page_back_from_a_dropped_connection_subscribes_again_and_shows_what_it_missed(string path, string heading)
    {
        var before = await fixture.Server.ActivitySubscriptions();
        await using var console = await fixture.Open(path, heading);
        // Keep hold of the page's WebSockets (from the next load on), so the test can drop Blazor's connection.
        await console.Page.AddInitScriptAsync("""
            window.openSockets = [];
            const NativeWebSocket = window.WebSocket;
            window.WebSocket = class extends NativeWebSocket {
                constructor(...args) { super(...args); window.openSockets.push(this); }
            };
            """);
        await console.Page.ReloadAsync();
        await Expect(console.Page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before + 1, "the tab's subscription");

        // The connection drops and cannot come back until the test lets it.
        await console.Page.RouteAsync("**/_blazor/negotiate**", route => route.AbortAsync());
        await console.Page.EvaluateAsync("window.openSockets.forEach(socket => socket.close())");
        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before, "the subscription to be let go while disconnected");
        var missed = await HappenWhileAway(path);
        await console.Page.UnrouteAllAsync();

        await Expect(console.Page.GetByText(missed)).ToBeVisibleAsync();
        Assert.Equal(before + 1, await fixture.Server.ActivitySubscriptions());
    }

    /// <summary>Makes a change the page at <paramref name="path"/> lists; returns the text it shows for it.</summary>
    private async Task<string> HappenWhileAway(string path)
    {
        var agent = await fixture.RegisterAgent("missed");
        switch (path)
        {
            case "/console/tasks":
                var title = $"Missed task {agent.Name}";
                await agent.Api.Post("/api/tasks", new { title }, HttpStatusCode.Created);
                return title;
            case "/console/messages":
                var content = $"Missed message {agent.Name}";
                await agent.Api.Post("/api/messages", new { content, channel = $"away-{agent.Name}" }, HttpStatusCode.Created);
                return content;
            case "/console/memory":
                await agent.Api.Post("/api/memory", new { key = $"away/{agent.Name}", value = new { seen = false } }, HttpStatusCode.Created);
                return agent.Name;
            default:
                return agent.Name;
        }
    }
}

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Poll
{
    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var giveUp = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > giveUp)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
