using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

public sealed class MemoryPageTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task The_inspector_shows_pretty_JSON_history_and_a_diff_and_edits_by_compare_and_set()
    {
        var writer = await fixture.RegisterAgent("writer");
        var root = $"inspect-{Guid.NewGuid():N}"[..16];
        var key = $"{root}/plans/q3";
        await writer.Api.Post("/api/memory", new { key, value = new { findings = "first", sources = new[] { "a" } }, access_control = new { read = new[] { "*" }, write = new[] { writer.Name } } }, HttpStatusCode.Created);
        await writer.Api.Put($"/api/memory/{key}", new { value = new { findings = "second", sources = new[] { "a", "b" } } });

        await using var console = await fixture.Open("/console/memory", "Memory");
        var page = console.Page;
        await page.Locator("#memory-prefix").FillAsync(root);
        // The filter applies after its debounce: as a person would, pick from the filtered list.
        await Expect(page.GetByText("1 key", new() { Exact = true })).ToBeVisibleAsync();
        await page.GetByTestId("memory-tree").GetByText("q3", new() { Exact = true }).ClickAsync();

        var value = page.GetByTestId("memory-value");
        await Expect(page.GetByTestId("memory-version")).ToHaveTextAsync("v2");
        await Expect(value).ToContainTextAsync("\"findings\": \"second\"");
        (await value.InnerTextAsync()).Split('\n').Length.ShouldBeGreaterThan(4, "the value is pretty-printed over several lines");
        await Expect(page.GetByTestId("memory-access").Locator($"[data-writer='{writer.Name.ToLowerInvariant()}']")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Tab, new() { Name = "History (2)" }).ClickAsync();
        await Expect(page.Locator("[data-history-version='1']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-history-version='2']")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("memory-diff").Locator(".diff-removed")).ToContainTextAsync(["\"findings\": \"first\""]);
        await Expect(page.GetByTestId("memory-diff").Locator(".diff-added").First).ToContainTextAsync("\"findings\": \"second\"");
        await console.Screenshot("memory");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Edit" }).ClickAsync();
        await page.Locator("#memory-editor").FillAsync("""{"findings": "third", "by": "operator"}""");
        await page.GetByTestId("memory-save").ClickAsync();
        await Expect(page.GetByTestId("memory-version")).ToHaveTextAsync("v3");
        var saved = await fixture.Operator.Get($"/api/memory/{key}");
        saved["version"]!.GetValue<long>().ShouldBe(3);
        saved["value"]!["findings"]!.GetValue<string>().ShouldBe("third");
        saved["updated_by"]!.GetValue<string>().ShouldBe("operator");

        // Someone else writes while the operator edits v3: the save is refused and nothing is overwritten.
        await page.Locator("#memory-editor").FillAsync("""{"findings": "stale edit"}""");
        await writer.Api.Put($"/api/memory/{key}", new { value = new { findings = "fourth" } });
        await Expect(page.GetByTestId("memory-version")).ToHaveTextAsync("v4");
        await Expect(page.GetByTestId("memory-stale")).ToBeVisibleAsync();
        await page.GetByTestId("memory-save").ClickAsync();
        await Expect(page.GetByTestId("memory-conflict")).ToContainTextAsync("v4");
        var kept = await fixture.Operator.Get($"/api/memory/{key}");
        kept["version"]!.GetValue<long>().ShouldBe(4);
        kept["value"]!["findings"]!.GetValue<string>().ShouldBe("fourth");
    }

    [Fact]
    public async Task The_search_box_finds_keys_by_their_values_under_the_prefix_and_opens_the_one_picked()
    {
        var writer = await fixture.RegisterAgent("searcher");
        var root = $"find-{Guid.NewGuid():N}"[..14];
        var word = $"zebra{Guid.NewGuid():N}"[..12];
        await writer.Api.Post("/api/memory", new { key = $"{root}/notes/a", value = new { text = $"the {word} crossed the road" } }, HttpStatusCode.Created);
        await writer.Api.Post("/api/memory", new { key = $"{root}/notes/b", value = new { text = "nothing to see" } }, HttpStatusCode.Created);
        await writer.Api.Post("/api/memory", new { key = $"elsewhere-{root}", value = new { text = $"another {word}" } }, HttpStatusCode.Created);

        await using var console = await fixture.Open("/console/memory", "Memory");
        var page = console.Page;
        await page.Locator("#memory-search-text").FillAsync(word);
        await page.Locator("#memory-search-text").PressAsync("Enter");
        var results = page.GetByTestId("memory-search-results");
        await Expect(results.Locator("[data-hit]")).ToHaveCountAsync(2);

        // A prefix set after the search (or landing after it, past the box's debounce) narrows the hits shown.
        await page.Locator("#memory-prefix").FillAsync(root);
        await Expect(results.Locator("[data-hit]")).ToHaveCountAsync(1);
        await Expect(results.Locator($"[data-hit='{root}/notes/a']")).ToBeVisibleAsync();
        await Expect(results.Locator("mark")).ToHaveTextAsync(word);
        await console.Screenshot("memory-search");

        await results.Locator($"[data-hit='{root}/notes/a']").ClickAsync();
        await Expect(page.GetByTestId("memory-entry")).ToHaveAttributeAsync("data-key", $"{root}/notes/a");
        await Expect(page.GetByTestId("memory-value")).ToContainTextAsync(word);

        await page.Locator("#memory-search-text").FillAsync("nowordlikethis");
        await page.GetByTestId("memory-search-run").ClickAsync();
        await Expect(page.GetByTestId("memory-search-empty")).ToBeVisibleAsync();
    }
}
