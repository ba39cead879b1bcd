using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>Issue 26.6: artifacts a message carries are listed on its card, previewed (JSON, an image) and downloadable.</summary>
public sealed class ArtifactPreviewTests(ConsoleFixture fixture)
{
    // A 2x2 PNG (red, green / blue, white).
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAAMIM/4EAAB/uBfsL2WiLAAAAAElFTkSuQmCC");

    [Fact]
    public async Task A_messages_json_and_image_artifacts_are_previewed_and_downloadable_on_its_card()
    {
        var sender = await fixture.RegisterAgent("reporter");
        var reader = await fixture.RegisterAgent("reader");
        var json = await Upload(sender, "report.json", "application/json", """{"rows":3,"title":"Q3"}"""u8.ToArray());
        var image = await Upload(sender, "chart.png", "image/png", Png);
        var marker = $"Report attached {Guid.NewGuid():N}"[..28];
        await sender.Api.Post("/api/messages", new { content = marker, recipients = new[] { reader.Name }, artifacts = new[] { json, image } },
            HttpStatusCode.Created);

        await using var console = await fixture.Open("/console/messages", "Messages");
        var page = console.Page;
        var card = page.Locator("[data-message]").Filter(new() { HasText = marker });
        await Expect(card.GetByText("report.json")).ToBeVisibleAsync();
        await Expect(card.GetByText("chart.png")).ToBeVisibleAsync();

        await card.Locator($"[data-artifact='{json}']").GetByTestId("artifact-preview-toggle").ClickAsync();
        var pretty = card.GetByTestId("artifact-json");
        await Expect(pretty).ToContainTextAsync("\"rows\": 3");
        await Expect(pretty).ToContainTextAsync("\"title\": \"Q3\"");

        await card.Locator($"[data-artifact='{image}']").GetByTestId("artifact-preview-toggle").ClickAsync();
        var shown = card.GetByTestId("artifact-image");
        await Expect(shown).ToBeVisibleAsync();
        await Expect(shown).ToHaveJSPropertyAsync("naturalWidth", 2);
        await console.Screenshot("artifacts");

        // The name is a download link, signed in by the console's cookie, giving back the uploaded bytes.
        var href = await card.Locator($"[data-artifact='{image}']").GetByTestId("artifact-download").GetAttributeAsync("href");
        var download = await page.Context.APIRequest.GetAsync(href!);
        download.Status.ShouldBe(200);
        download.Headers["content-type"].ShouldBe("image/png");
        (await download.BodyAsync()).ShouldBe(Png);
    }

    private static async Task<string> Upload(TestAgent agent, string name, string contentType, byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/artifacts?name={name}") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await agent.Api.Raw(request);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }
}
