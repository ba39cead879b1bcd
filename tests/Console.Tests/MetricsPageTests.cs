using System.Net;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

public sealed class MetricsPageTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task The_metrics_page_renders_its_charts_and_counts_messages_live()
    {
        var sender = await fixture.RegisterAgent("metered");
        await using var console = await fixture.Open("/console/metrics", "Metrics");
        var page = console.Page;

        foreach (var chart in new[] { "messages", "tasks", "load", "latency" })
        {
            await Expect(page.Locator($"[data-chart='{chart}'] svg").First).ToBeVisibleAsync();
        }
        await Expect(page.Locator("[data-figure-value='present-agents']")).Not.ToHaveTextAsync("—");

        var before = await page.GetByTestId("messages-total").TextContentAsync();
        await sender.Api.Post("/api/messages", new { content = "counted", recipients = new[] { sender.Name } }, HttpStatusCode.Created);
        await Expect(page.GetByTestId("messages-total")).Not.ToHaveTextAsync(before!);
        await console.Screenshot("metrics");
    }
}
