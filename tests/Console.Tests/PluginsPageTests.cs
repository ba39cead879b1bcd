using System.Net;
using Orleans.AgentChannel.Plugins;
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
        var deleteButton = await page.GetByTestId("webhook-delete").ElementHandleAsync();

        await sender.Api.Post("/api/messages", new { content = "seen by the hook", recipients = new[] { sender.Name } }, HttpStatusCode.Created);
        // Other tests share this server and may send messages too: look for a delivered row, not an exact count.
        var row = page.GetByTestId("deliveries-table").Locator("tbody tr", new() { Has = page.Locator("[data-delivery-status='delivered']") }).First;
        await Expect(row.Locator("[data-field='attempts']")).ToHaveTextAsync("1");
        await Expect(row.Locator("[data-field='last-status']")).ToHaveTextAsync("200");
        receiver.Received.ShouldContain(hook => hook.Status == 200 && System.Text.Encoding.UTF8.GetString(hook.Body).Contains("seen by the hook"));
        await Expect(page.GetByTestId("plugins-table").Locator("tr", new() { Has = sinkRow }).Locator("[data-health='healthy']")).ToBeVisibleAsync();
        await console.Screenshot("plugins");
        // The refreshes that brought the delivery in left the unchanged webhook row as it was: a click on a row the
        // server had just made again would be lost while the browser still showed the old one.
        (await deleteButton.EvaluateAsync<bool>("button => button.isConnected")).ShouldBeTrue();

        await page.GetByTestId("webhooks-table").Locator("tr", new() { HasText = receiver.Url.ToString() }).GetByTestId("webhook-delete").ClickAsync();
        await Expect(page.GetByTestId("webhooks-table")).Not.ToContainTextAsync(receiver.Url.ToString());
    }

    [Fact]
    public async Task A_plugin_that_throws_shows_as_failing_with_its_error_while_the_message_still_goes_through()
    {
        var sender = await fixture.RegisterAgent("faulty");
        await using var console = await fixture.Open("/console/plugins", "Plugins");
        var page = console.Page;
        var row = page.GetByTestId("plugins-table").Locator("tr", new() { Has = page.Locator($"[data-plugin='{typeof(MarkerFailingInterceptor).FullName}']") });
        await Expect(row).ToBeVisibleAsync();

        var sent = await sender.Api.Post("/api/messages", new { content = $"{MarkerFailingInterceptor.Marker} please", recipients = new[] { sender.Name } },
            HttpStatusCode.Created);
        sent["content"]!.GetValue<string>().ShouldBe($"{MarkerFailingInterceptor.Marker} please");

        await Expect(row.Locator("[data-health='failing']")).ToBeVisibleAsync();
        await Expect(row.Locator("[data-field='last-error']")).ToContainTextAsync("the marker interceptor failed on purpose");
        await console.Screenshot("plugins-failing");
    }
}

/// <summary>Throws on messages carrying its marker, and passes every other message through untouched.</summary>
public sealed class MarkerFailingInterceptor : IMessageInterceptor
{
    public const string Marker = "[console-plugin-failure]";

    public ValueTask<MessageVerdict> InterceptAsync(InterceptedMessage message, CancellationToken cancellationToken) =>
        message.Content.Contains(Marker, StringComparison.Ordinal)
            ? throw new InvalidOperationException("the marker interceptor failed on purpose")
            : ValueTask.FromResult(MessageVerdict.Accept(message));
}
