using Microsoft.Extensions.DependencyInjection;
using System.Net;

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
        // Bound to every interface, so the console asks for the operator token as it does for a reachable host
        // (the Reports page's browser tests use this history too).
        Server = await AgentChannelServer.StartAsync(_database.Path, new Dictionary<string, string?> { ["Urls"] = "http://0.0.0.0:0" },
            services => services.AddSingleton<TimeProvider>(Clock));
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
/// The history, minute by minute (messages: 09:01 alice → bob, 09:02 bob → alice and carol, 10:03 carol → alice,
/// 10:40 carol → channel of alice and bob). No agent has the capabilities the tasks need, so the engine never hands
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
        history.At(95);
        await Ok(agents["alice"].Post("/api/channels/stats-room/join"));
        await Ok(agents["bob"].Post("/api/channels/stats-room/join"));
        history.At(100);
        // To the channel: delivered to its other members, alice and bob.
        await Created(agents["carol"].Post("/api/messages", new { content = "to the room", channel = "stats-room" }));
        history.At(110);
        await Ok(op.Put($"/api/tasks/{history.Tasks["E"]}", new { status = "cancelled" }));
        history.At(120);
        foreach (var client in agents.Values)
        {
            client.Dispose();
        }
    }
}
