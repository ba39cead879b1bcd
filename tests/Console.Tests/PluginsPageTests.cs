using System.Net;
using Orleans.AgentChannel.WebFrontend.Tests.Plugins;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

public sealed class PluginsPageTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task The_plugins_page_shows_plugin_health_and_a_webhook_added_there_with_its_delivery_log()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var sender = await fixture.RegisterAgent("hooksender");
        await using var console = await fixture.Open("/console/plugins", "Plugins");
        var page = console.Page;

        var sinkRow = page.Locator("[data-plugin='Orleans.AgentChannel.Webhooks.WebhookSink']");
        await Expect(sinkRow).ToContainTextAsync("built in");

        await page.Locator("#webhook-url").FillAsync(receiver.Url.ToString());
        await page.Locator("#webhook-events").FillAsync("message:received");
        await page.GetByTestId("webhook-create").ClickAsync();
        await Expect(page.GetByTestId("webhook-secret")).ToContainTextAsync("whsec_");
        await Expect(page.GetByTestId("webhooks-table")).ToContainTextAsync(receiver.Url.ToString());

        await sender.Api.Post("/api/messages", new { content = "seen by the hook", recipients = new[] { sender.Name } }, HttpStatusCode.Created);
        // Other tests share this server and may send messages too: look for a delivered row, not an exact count.
        var row = page.GetByTestId("deliveries-table").Locator("tbody tr", new() { Has = page.Locator("[data-delivery-status='delivered']") }).First;
        await Expect(row.Locator("[data-field='attempts']")).ToHaveTextAsync("1");
        await Expect(row.Locator("[data-field='last-status']")).ToHaveTextAsync("200");
        receiver.Received.ShouldContain(hook => hook.Status == 200 && System.Text.Encoding.UTF8.GetString(hook.Body).Contains("seen by the hook"));
        await Expect(page.GetByTestId("plugins-table").Locator("tr", new() { Has = sinkRow }).Locator("[data-health='healthy']")).ToBeVisibleAsync();
        await console.Screenshot("plugins");

        await page.GetByTestId("webhooks-table").Locator("tr", new() { HasText = receiver.Url.ToString() }).GetByTestId("webhook-delete").ClickAsync();
        await Expect(page.GetByTestId("webhooks-table")).Not.ToContainTextAsync(receiver.Url.ToString());
    }
}
