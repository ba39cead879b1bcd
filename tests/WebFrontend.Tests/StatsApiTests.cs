using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// A server of its own with a set clock and a known history (two hours of tasks, messages and memory
/// writes), so every figure of the reports is known exactly.
/// </summary>
public sealed class StatsHistoryFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The window holding the whole history.</summary>
    public const string Window = "from=2026-03-02T09:00:00Z&to=2026-03-02T11:00:00Z";

    private readonly TempDatabase _database = new();

    public SetClock Clock { get; } = new(Start);

    public AgentChannelServer Server { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public Dictionary<string, Guid> Tasks { get; } = [];

    public async ValueTask InitializeAsync()
    {
        Server = await AgentChannelServer.StartAsync(_database.Path, services: services => services.AddSingleton<TimeProvider>(Clock));
        Operator = Server.Client(AgentChannelServer.OperatorToken);
        await StatsHistory.Build(this);
    }

    public async ValueTask DisposeAsync()
    {
        Operator.Dispose();
        await Server.DisposeAsync();
        _database.Dispose();
    }

    /// <summary>Sets the clock to <paramref name="minutes"/> after 09:00 before the next call.</summary>
    public void At(int minutes) => Clock.Now = Start.AddMinutes(minutes);
}

/// <summary>
/// The history, minute by minute. No agent has the capabilities the tasks need, so the engine never hands
/// one out: every assignment below is the operator's, at a known time.
/// </summary>
public static class StatsHistory
{
    public static async Task Build(StatsHistoryFixture history)
    {
        var server = history.Server;
        var op = history.Operator;
        var agents = new Dictionary<string, HttpClient>();
        foreach (var name in new[] { "alice", "bob", "carol" })
        {
            var registered = await server.Client().Post("/api/agents/register", new { name, type = "llm", capabilities = Array.Empty<string>() });
            registered.Status.ShouldBe(HttpStatusCode.Created, registered.Body?.ToJsonString());
            agents[name] = server.Client(registered.Json["token"]!.GetValue<string>());
        }

        async Task<Guid> Create(HttpClient creator, string title, string capability)
        {
            var created = await creator.Post("/api/tasks", new { title, requirements = new { capabilities = new[] { capability } } });
            created.Status.ShouldBe(HttpStatusCode.Created, created.Body?.ToJsonString());
            return history.Tasks[title] = Guid.Parse(created.Json["id"]!.GetValue<string>());
        }

        async Task Ok(Task<ApiResponse> call)
        {
            var response = await call;
            response.Status.ShouldBe(HttpStatusCode.OK, response.Body?.ToJsonString());
        }

        Task Assign(string task, string agent) => Ok(op.Post($"/api/tasks/{history.Tasks[task]}/assign", new { agent }));

        async Task Created(Task<ApiResponse> call) => (await call).Status.ShouldBe(HttpStatusCode.Created);

        history.At(0);
        await Create(op, "A", "build");
        history.At(1);
        await Created(agents["alice"].Post("/api/messages", new { content = "hi", recipients = new[] { "bob" } }));
        history.At(2);
        await Created(agents["bob"].Post("/api/messages", new { content = "hello both", recipients = new[] { "alice", "carol" } }));
        history.At(5);
        await Create(op, "B", "build");
        history.At(10);
        await Assign("A", "alice");
        history.At(15);
        await Create(op, "C", "review");
        history.At(20);
        await Assign("B", "bob");
        history.At(30);
        await Assign("B", "alice");
        history.At(40);
        await Ok(agents["alice"].Post($"/api/tasks/{history.Tasks["A"]}/complete", new { result = new { ok = true } }));
        history.At(45);
        await Assign("C", "carol");
        history.At(50);
        await Created(agents["alice"].Post("/api/memory", new { key = "stats/plan", value = new { step = 1 } }));
        history.At(60);
        await Create(agents["alice"], "D", "build");
        history.At(62);
        await Assign("D", "bob");
        history.At(63);
        await Created(agents["carol"].Post("/api/messages", new { content = "done soon", recipients = new[] { "alice" } }));
        history.At(64);
        await Assign("D", "carol");
        history.At(65);
        await Ok(agents["carol"].Put($"/api/tasks/{history.Tasks["C"]}", new { status = "failed" }));
        history.At(66);
        await Assign("D", "bob");
        history.At(70);
        await Create(op, "E", "review");
        history.At(75);
        await Ok(agents["bob"].Put("/api/memory/stats/plan", new { value = new { step = 2 } }));
        history.At(76);
        await Created(agents["bob"].Post("/api/memory", new { key = "stats/other", value = 1 }));
        history.At(80);
        await Ok(agents["alice"].Post($"/api/tasks/{history.Tasks["B"]}/complete", new { }));
        history.At(90);
        await Ok(agents["bob"].Post($"/api/tasks/{history.Tasks["D"]}/complete", new { }));
        history.At(110);
        await Ok(op.Put($"/api/tasks/{history.Tasks["E"]}", new { status = "cancelled" }));
        history.At(120);
        foreach (var client in agents.Values)
        {
            client.Dispose();
        }
    }
}

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
            sent: 3, received: 4, memoryWrites: 3);
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
            sent: 1, received: 1, memoryWrites: 2);
    }

    [Fact]
    public async Task Report_ranks_agents_by_tasks_completed()
    {
        var agents = (await history.Operator.Get($"/api/stats?{StatsHistoryFixture.Window}")).Json["by_agent"]!.AsArray();

        agents.Select(agent => agent!["agent"]!.GetValue<string>()).ShouldBe(["alice", "bob", "carol", "operator"]);
        ShouldBeFigures(agents[0]!["figures"]!, created: 1, completed: 2, failed: 0, cancelled: 0, reassignments: 2,
            completion: [2, 40 * Minute, 75 * Minute, (40 + 75) * Minute / 2, 75 * Minute],
            wait: [1, 2 * Minute, 2 * Minute, 2 * Minute, 2 * Minute],
            sent: 1, received: 2, memoryWrites: 1);
        ShouldBeFigures(agents[1]!["figures"]!, created: 0, completed: 1, failed: 0, cancelled: 0, reassignments: 0,
            completion: [1, 30 * Minute, 30 * Minute, 30 * Minute, 30 * Minute], wait: [0, 0, 0, 0, 0],
            sent: 1, received: 1, memoryWrites: 2);
        ShouldBeFigures(agents[2]!["figures"]!, created: 0, completed: 0, failed: 1, cancelled: 0, reassignments: 0,
            completion: [0, 0, 0, 0, 0], wait: [0, 0, 0, 0, 0], sent: 1, received: 1, memoryWrites: 0);
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
            sent: 1, received: 2, memoryWrites: 1);
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
        report["totals"]!["messages_sent"]!.GetValue<long>().ShouldBe(1);
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
