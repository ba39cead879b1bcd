using Microsoft.Playwright;
using Orleans.AgentChannel.WebFrontend.Tests;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>The Reports page over the known two-hour history (StatsHistory), on a host whose clock stands at 11:00 after it.</summary>
public sealed class ReportsPageTests(ConsoleFixture fixture, StatsHistoryFixture history) : IClassFixture<StatsHistoryFixture>
{
    [Fact]
    public async Task Reports_chart_the_known_history_by_hour_and_rank_the_agents()
    {
        await using var console = await fixture.OpenOn(history.Server, "/console/reports", "Reports");
        var page = console.Page;

        // The last 24 hours end at 11:00: the history is the last two of them (09:00 and 10:00).
        var throughput = page.Locator("[data-chart='throughput']");
        await Expect(throughput).ToHaveAttributeAsync("data-series",
            $"created:{Hours(24, 3, 2)};completed:{Hours(24, 1, 2)};failed:{Hours(24, 0, 1)}");
        // One drawn line per series.
        await Expect(throughput.Locator("svg path.mud-chart-line")).ToHaveCountAsync(3);
        await Expect(page.Locator("[data-chart='completion']")).ToHaveAttributeAsync("data-series", $"p50:{Hours(24, 40, 30)};p90:{Hours(24, 40, 75)}");
        await Expect(page.Locator("[data-chart='queue-wait']")).ToHaveAttributeAsync("data-series", $"p50:{Hours(24, 15, 2)};p90:{Hours(24, 30, 2)}");
        await Expect(page.Locator("[data-figure-value='tasks-completed']")).ToHaveTextAsync("3");
        await Expect(page.Locator("[data-figure-value='completion-time']")).ToHaveTextAsync("40 min");

        var leaderboard = page.GetByTestId("leaderboard").Locator("tbody tr");
        await Expect(leaderboard).ToHaveCountAsync(4);
        await Expect(leaderboard.First).ToHaveAttributeAsync("data-agent", "alice");
        await Expect(leaderboard.First.Locator("td").Nth(1)).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("slowest-tasks").Locator("tbody tr td:first-child")).ToHaveTextAsync(["B", "A", "D"]);
        await Expect(page.GetByTestId("reassigned-tasks").Locator("tbody tr td:first-child")).ToHaveTextAsync(["D", "B"]);
        await console.Screenshot("reports");
    }

    [Fact]
    public async Task Window_picker_narrows_the_report_and_keeps_it_in_the_address()
    {
        await using var console = await fixture.OpenOn(history.Server, "/console/reports", "Reports");
        var page = console.Page;
        await Expect(page.GetByTestId("report-range")).ToContainTextAsync("2026-03-01 11:00 – 2026-03-02 11:00");

        await page.GetByTestId("report-window").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Last 6 hours" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("window=6h"));
        await Expect(page.GetByTestId("report-range")).ToContainTextAsync("2026-03-02 05:00 – 2026-03-02 11:00");
        await Expect(page.Locator("[data-chart='throughput']")).ToHaveAttributeAsync("data-series",
            $"created:{Hours(6, 3, 2)};completed:{Hours(6, 1, 2)};failed:{Hours(6, 0, 1)}");
    }

    [Fact]
    public async Task Tables_download_as_csv_through_plain_links()
    {
        await using var console = await fixture.OpenOn(history.Server, "/console/reports", "Reports");
        var page = console.Page;

        var href = await page.GetByTestId("csv-agents").GetAttributeAsync("href");
        href.ShouldBe("/console/reports/agents.csv?from=2026-03-01T11%3A00%3A00Z&to=2026-03-02T11%3A00%3A00Z");
        var response = await page.Context.APIRequest.GetAsync(href!);
        response.Status.ShouldBe(200);
        response.Headers["content-type"].ShouldStartWith("text/csv");
        var lines = (await response.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("agent,tasks_created,tasks_completed,");
        lines[1].ShouldBe("alice,1,2,0,0,2,2400000,4500000,120000,120000,1,3,1");

        var slowest = await page.Context.APIRequest.GetAsync((await page.GetByTestId("csv-slowest").GetAttributeAsync("href"))!);
        (await slowest.TextAsync()).ShouldContain($"{history.Tasks["B"]},B,completed,build,alice,2026-03-02T09:05:00Z,2026-03-02T10:20:00Z,4500000,1");

        var hours = await page.Context.APIRequest.GetAsync((await page.GetByTestId("csv-hours").GetAttributeAsync("href"))!);
        var hourLines = (await hours.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        hourLines.Length.ShouldBe(1 + 24);
        hourLines[^1].ShouldBe("2026-03-02T10:00:00Z,2,2,1,1,2,1800000,4500000,120000,120000,2,3,2");

        // Signed out, the file is not handed over.
        using var anonymous = new HttpClient { BaseAddress = history.Server.Address };
        var refused = await anonymous.GetAsync(href, TestContext.Current.CancellationToken);
        refused.Content.Headers.ContentType?.MediaType.ShouldNotBe("text/csv");
        refused.RequestMessage!.RequestUri!.AbsolutePath.ShouldStartWith("/console/signin");
    }

    /// <summary>A series over <paramref name="count"/> hours: zeros, then the values of 09:00 and 10:00 last.</summary>
    private static string Hours(int count, double nineOClock, double tenOClock) =>
        string.Join(',', Enumerable.Repeat("0", count - 2).Append(Number(nineOClock)).Append(Number(tenOClock)));

    private static string Number(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
