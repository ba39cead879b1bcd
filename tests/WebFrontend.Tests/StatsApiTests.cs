using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class StatsApiTests(StatsHistoryFixture history) : IClassFixture<StatsHistoryFixture>
{
    private const long Minute = 60_000;

    [Fact]
    public async Task Report_over_the_window_gives_every_total_exactly()
    {
        var report = (await history.Operator.Get($"/api/stats?{StatsHistoryFixture.Window}")).Json;

        report["from"]!.GetValue<DateTimeOffset>().ShouldBe(StatsHistoryFixture.Start);
        report["to"]!.GetValue<DateTimeOffset>().ShouldBe(StatsHistoryFixture.Start.AddHours(2));
        ShouldBeFigures(report["totals"]!, created: 5, completed: 3, failed: 1, cancelled: 1, reassignments: 3,
            completion: [3, 40 * Minute, 75 * Minute, (40 + 75 + 30) * Minute / 3, 75 * Minute],
            wait: [4, 10 * Minute, 30 * Minute, (10 + 15 + 30 + 2) * Minute / 4, 30 * Minute],
            sent: 4, received: 6, memoryWrites: 3);
    }

    [Fact]
    public async Task Report_splits_the_window_by_hour()
    {
        var hours = (await history.Operator.Get($"/api/stats?{StatsHistoryFixture.Window}")).Json["by_hour"]!.AsArray();

        hours.Count.ShouldBe(2);
        hours[0]!["hour"]!.GetValue<DateTimeOffset>().ShouldBe(StatsHistoryFixture.Start);
        ShouldBeFigures(hours[0]!["figures"]!, created: 3, completed: 1, failed: 0, cancelled: 0, reassignments: 1,
            completion: [1, 40 * Minute, 40 * Minute, 40 * Minute, 40 * Minute],
            wait: [3, 15 * Minute, 30 * Minute, (10 + 15 + 30) * Minute / 3, 30 * Minute],
            sent: 2, received: 3, memoryWrites: 1);
        hours[1]!["hour"]!.GetValue<DateTimeOffset>().ShouldBe(StatsHistoryFixture.Start.AddHours(1));
        ShouldBeFigures(hours[1]!["figures"]!, created: 2, completed: 2, failed: 1, cancelled: 1, reassignments: 2,
            completion: [2, 30 * Minute, 75 * Minute, (75 + 30) * Minute / 2, 75 * Minute],
            wait: [1, 2 * Minute, 2 * Minute, 2 * Minute, 2 * Minute],
            sent: 2, received: 3, memoryWrites: 2);
    }

    [Fact]
    public async Task Report_ranks_agents_by_tasks_completed()
    {
        var agents = (await history.Operator.Get($"/api/stats?{StatsHistoryFixture.Window}")).Json["by_agent"]!.AsArray();

        agents.Select(agent => agent!["agent"]!.GetValue<string>()).ShouldBe(["alice", "bob", "carol", "operator"]);
        ShouldBeFigures(agents[0]!["figures"]!, created: 1, completed: 2, failed: 0, cancelled: 0, reassignments: 2,
            completion: [2, 40 * Minute, 75 * Minute, (40 + 75) * Minute / 2, 75 * Minute],
            wait: [1, 2 * Minute, 2 * Minute, 2 * Minute, 2 * Minute],
            sent: 1, received: 3, memoryWrites: 1);
        ShouldBeFigures(agents[1]!["figures"]!, created: 0, completed: 1, failed: 0, cancelled: 0, reassignments: 0,
            completion: [1, 30 * Minute, 30 * Minute, 30 * Minute, 30 * Minute], wait: [0, 0, 0, 0, 0],
            sent: 1, received: 2, memoryWrites: 2);
        ShouldBeFigures(agents[2]!["figures"]!, created: 0, completed: 0, failed: 1, cancelled: 0, reassignments: 0,
            completion: [0, 0, 0, 0, 0], wait: [0, 0, 0, 0, 0], sent: 2, received: 1, memoryWrites: 0);
        ShouldBeFigures(agents[3]!["figures"]!, created: 4, completed: 0, failed: 0, cancelled: 0, reassignments: 1,
            completion: [0, 0, 0, 0, 0], wait: [3, 15 * Minute, 30 * Minute, (10 + 15 + 30) * Minute / 3, 30 * Minute],
            sent: 0, received: 0, memoryWrites: 0);
    }

    [Fact]
    public async Task Report_splits_tasks_by_the_capabilities_they_need()
    {
        var capabilities = (await history.Operator.Get($"/api/stats?{StatsHistoryFixture.Window}")).Json["by_capability"]!.AsArray();

        capabilities.Select(group => group!["capabilities"]!.ToJsonString()).ShouldBe(["""["build"]""", """["review"]"""]);
        ShouldBeFigures(capabilities[0]!["figures"]!, created: 3, completed: 3, failed: 0, cancelled: 0, reassignments: 3,
            completion: [3, 40 * Minute, 75 * Minute, (40 + 75 + 30) * Minute / 3, 75 * Minute],
            wait: [3, 10 * Minute, 15 * Minute, (10 + 15 + 2) * Minute / 3, 15 * Minute],
            sent: 0, received: 0, memoryWrites: 0);
        ShouldBeFigures(capabilities[1]!["figures"]!, created: 2, completed: 0, failed: 1, cancelled: 1, reassignments: 0,
            completion: [0, 0, 0, 0, 0], wait: [1, 30 * Minute, 30 * Minute, 30 * Minute, 30 * Minute],
            sent: 0, received: 0, memoryWrites: 0);
    }

    [Fact]
    public async Task Report_names_the_slowest_and_the_most_reassigned_tasks()
    {
        var report = (await history.Operator.Get($"/api/stats?{StatsHistoryFixture.Window}")).Json;

        var slowest = report["slowest_tasks"]!.AsArray();
        slowest.Select(task => task!["title"]!.GetValue<string>()).ShouldBe(["B", "A", "D"]);
        slowest.Select(task => task!["completion_ms"]!.GetValue<long>()).ShouldBe([75 * Minute, 40 * Minute, 30 * Minute]);
        slowest[0]!["id"]!.GetValue<Guid>().ShouldBe(history.Tasks["B"]);
        slowest[0]!["assignee"]!.GetValue<string>().ShouldBe("alice");
        slowest[0]!["status"]!.GetValue<string>().ShouldBe("completed");
        slowest[0]!["closed_at"]!.GetValue<DateTimeOffset>().ShouldBe(StatsHistoryFixture.Start.AddMinutes(80));

        var reassigned = report["most_reassigned_tasks"]!.AsArray();
        reassigned.Select(task => task!["title"]!.GetValue<string>()).ShouldBe(["D", "B"]);
        reassigned.Select(task => task!["reassignments"]!.GetValue<int>()).ShouldBe([2, 1]);
    }

    [Fact]
    public async Task Agent_report_counts_only_what_that_agent_did()
    {
        var report = (await history.Operator.Get($"/api/agents/Alice/stats?{StatsHistoryFixture.Window}")).Json;

        report["agent"]!.GetValue<string>().ShouldBe("alice");
        ShouldBeFigures(report["totals"]!, created: 1, completed: 2, failed: 0, cancelled: 0, reassignments: 2,
            completion: [2, 40 * Minute, 75 * Minute, (40 + 75) * Minute / 2, 75 * Minute],
            wait: [1, 2 * Minute, 2 * Minute, 2 * Minute, 2 * Minute],
            sent: 1, received: 3, memoryWrites: 1);
        report["by_agent"]!.AsArray().Select(agent => agent!["agent"]!.GetValue<string>()).ShouldBe(["alice"]);
        report["slowest_tasks"]!.AsArray().Select(task => task!["title"]!.GetValue<string>()).ShouldBe(["B", "A"]);
    }

    [Fact]
    public async Task Window_is_widened_to_whole_hours_and_cuts_what_lies_outside()
    {
        var report = (await history.Operator.Get("/api/stats?from=2026-03-02T10:10:00Z&to=2026-03-02T10:20:00Z")).Json;

        report["from"]!.GetValue<DateTimeOffset>().ShouldBe(StatsHistoryFixture.Start.AddHours(1));
        report["to"]!.GetValue<DateTimeOffset>().ShouldBe(StatsHistoryFixture.Start.AddHours(2));
        report["totals"]!["tasks_created"]!.GetValue<int>().ShouldBe(2);
        report["totals"]!["messages_sent"]!.GetValue<long>().ShouldBe(2);
        report["by_hour"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Default_window_is_the_day_up_to_now()
    {
        // The clock stands at 11:00: the last day is 2 March 11:00 back to 1 March 11:00, all the history included.
        var report = (await history.Operator.Get("/api/stats")).Json;

        report["from"]!.GetValue<DateTimeOffset>().ShouldBe(StatsHistoryFixture.Start.AddHours(2).AddDays(-1));
        report["to"]!.GetValue<DateTimeOffset>().ShouldBe(StatsHistoryFixture.Start.AddHours(2));
        report["by_hour"]!.AsArray().Count.ShouldBe(24);
        report["totals"]!["tasks_created"]!.GetValue<int>().ShouldBe(5);
    }

    [Fact]
    public async Task An_agent_may_read_the_reports_too()
    {
        var registered = await history.Server.Client().Post("/api/agents/register", new { name = "reader", type = "llm" });
        using var reader = history.Server.Client(registered.Json["token"]!.GetValue<string>());

        var report = await reader.Get($"/api/stats?{StatsHistoryFixture.Window}");

        report.Status.ShouldBe(HttpStatusCode.OK);
        report.Json["totals"]!["tasks_completed"]!.GetValue<int>().ShouldBe(3);
        (await history.Server.Client().Get("/api/stats")).Status.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-40T00:00:00Z", "to")]
    [InlineData("from=2026-03-02T11:00:00Z&to=2026-03-02T09:00:00Z", "from")]
    [InlineData("from=2026-03-02T10:00:00Z&to=2026-03-02T10:00:00Z", "from")]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-03-02T00:00:00Z", "to")]
    [InlineData("to=9999-12-31T23:30:00Z", "to")]
    [InlineData("to=0001-01-01T00:00:00Z", "to")]
    public async Task Bad_window_is_refused_naming_the_field(string query, string field)
    {
        (await history.Operator.Get($"/api/stats?{query}")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", field);
        (await history.Operator.Get($"/api/agents/alice/stats?{query}")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", field);
    }

    [Fact]
    public async Task Report_of_an_unknown_agent_is_not_found()
    {
        (await history.Operator.Get("/api/agents/nobody-here/stats")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
    }

    /// <param name="completion">count, p50, p90, mean, max of completion times (ms).</param>
    /// <param name="wait">count, p50, p90, mean, max of queue waits (ms).</param>
    private static void ShouldBeFigures(JsonNode figures, int created, int completed, int failed, int cancelled, int reassignments,
        long[] completion, long[] wait, long sent, long received, long memoryWrites)
    {
        var text = figures.ToJsonString();
        figures["tasks_created"]!.GetValue<int>().ShouldBe(created, text);
        figures["tasks_completed"]!.GetValue<int>().ShouldBe(completed, text);
        figures["tasks_failed"]!.GetValue<int>().ShouldBe(failed, text);
        figures["tasks_cancelled"]!.GetValue<int>().ShouldBe(cancelled, text);
        figures["reassignments"]!.GetValue<int>().ShouldBe(reassignments, text);
        Durations(figures["completion_time"]!).ShouldBe(completion, text);
        Durations(figures["queue_wait"]!).ShouldBe(wait, text);
        figures["messages_sent"]!.GetValue<long>().ShouldBe(sent, text);
        figures["messages_received"]!.GetValue<long>().ShouldBe(received, text);
        figures["memory_writes"]!.GetValue<long>().ShouldBe(memoryWrites, text);
    }

    private static long[] Durations(JsonNode durations) =>
        [durations["count"]!.GetValue<int>(), durations["p50_ms"]!.GetValue<long>(), durations["p90_ms"]!.GetValue<long>(),
         durations["mean_ms"]!.GetValue<long>(), durations["max_ms"]!.GetValue<long>()];
}

/// <summary>The console's CSV files come from the same reports: a bad window is the same 400, not a 500.</summary>
public sealed class ReportCsvTests(ServerFixture fixture)
{
    [Theory]
    [InlineData("to=9999-12-31T23:30:00Z")]
    [InlineData("to=0001-01-01T00:00:00Z")]
    public async Task A_window_beyond_the_calendar_is_refused_naming_the_field(string query)
    {
        // The fixture's host listens on loopback only, so this machine opens the console without signing in.
        (await fixture.Anonymous.Get($"/console/reports/hours.csv?{query}")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "to");
    }
}
