using System.Net;
using Orleans.AgentChannel.Grains.Tests;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// Search over REST (<c>q=</c> on /api/messages and /api/memory) and MCP (search_messages, search_memory), on each engine:
/// an outsider never finds a private message or a memory key whose access list leaves it out, however it asks, and no
/// query text is an error of the engine's search syntax (a 500): a query is its words, one without any a 400.
/// </summary>
public sealed class SearchApiTests
{
    public static TheoryData<string> Engines => new() { "sqlite", "postgres" };

    [Theory(Timeout = 180_000), MemberData(nameof(Engines))]
    public async Task An_outsider_finds_nothing_private_over_REST_or_MCP_and_no_query_text_is_a_server_error(string engine)
    {
        await using var host = await Host.Start(engine);
        var anonymous = host.Server.Client();
        var (alice, bob, eve) = (await Register(anonymous, host.Server, "alice"), await Register(anonymous, host.Server, "bob"),
            await Register(anonymous, host.Server, "eve"));
        var sent = await alice.Http.Post("/api/messages", new { content = "the vault code is narwhal-42", recipients = new[] { bob.Name } });
        var id = sent.Json["id"]!.GetValue<string>();
        var key = $"vault/{Guid.NewGuid():N}";
        (await alice.Http.Post("/api/memory", new
        {
            key,
            value = new { secret = "pangolin" },
            access_control = new { read = new[] { bob.Name }, write = Array.Empty<string>() },
        })).Status.ShouldBe(HttpStatusCode.Created);

        var found = await bob.Http.Get("/api/messages?q=NARWHAL");
        found.Status.ShouldBe(HttpStatusCode.OK);
        var hit = found.Json["items"]!.AsArray().ShouldHaveSingleItem()!;
        (hit["message"]!["id"]!.GetValue<string>(), hit["snippet"]!.GetValue<string>()).ShouldBe((id, "the vault code is **narwhal**-42"));
        hit["rank"]!.GetValue<double>().ShouldBeGreaterThan(0);
        Ids(await host.Operator.Get($"/api/messages?q=narwhal&sender={alice.Name}")).ShouldBe([id]);
        Keys(await bob.Http.Get("/api/memory?q=pangolin")).ShouldBe([key]);
        Keys(await host.Operator.Get("/api/memory?q=vault&prefix=vault/")).ShouldBe([key]);
        foreach (var filter in new[] { "", $"&sender={alice.Name}", $"&recipient={bob.Name}", "&limit=500", "&since=2000-01-01T00:00:00Z" })
        {
            Ids(await eve.Http.Get($"/api/messages?q=narwhal{filter}")).ShouldBeEmpty(filter);
            Ids(await eve.Http.Get($"/api/messages?q=vault+code{filter}")).ShouldBeEmpty(filter);
        }
        foreach (var words in new[] { "pangolin", "vault", "secret", key })
        {
            Keys(await eve.Http.Get($"/api/memory?q={Uri.EscapeDataString(words)}")).ShouldBeEmpty(words);
        }

        await using (var mcp = await McpAgent.Connect(host.Server, eve.Token))
        {
            (await mcp.Call("search_messages", new { q = "narwhal" }))["items"]!.AsArray().ShouldBeEmpty();
            (await mcp.Call("search_messages", new { q = "narwhal", from_agent = alice.Name }))["items"]!.AsArray().ShouldBeEmpty();
            (await mcp.Call("search_memory", new { q = "pangolin" }))["items"]!.AsArray().ShouldBeEmpty();
            (await mcp.Call("search_memory", new { q = "vault", prefix = "vault/" }))["items"]!.AsArray().ShouldBeEmpty();
            await mcp.CallFailing("search_messages", new { q = "?!" }, "invalid", "q");
        }
        await using (var mcp = await McpAgent.Connect(host.Server, bob.Token))
        {
            (await mcp.Call("search_messages", new { q = "narwhal 42" }))["items"]!.AsArray().Single()!["message"]!["id"]!.GetValue<string>().ShouldBe(id);
            (await mcp.Call("search_memory", new { q = "pangolin" }))["items"]!.AsArray().Single()!["entry"]!["key"]!.GetValue<string>().ShouldBe(key);
        }

        foreach (var text in new[] { "\"", "NEAR(narwhal", "narwhal AND OR", "code:vault", "narwhal*)", "a & | ! <->", "'--", "\\", "%", "*" })
        {
            foreach (var path in new[] { "/api/messages", "/api/memory" })
            {
                var answer = await bob.Http.Get($"{path}?q={Uri.EscapeDataString(text)}");
                answer.Status.ShouldBeOneOf([HttpStatusCode.OK, HttpStatusCode.BadRequest], $"{path} {text}: {answer.Body?.ToJsonString()}");
            }
        }
        (await bob.Http.Get("/api/messages?q=%20")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "q");
        (await bob.Http.Get("/api/memory?q=--")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "q");
        (await bob.Http.Get("/api/messages?q=narwhal&cursor=bogus")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        (await bob.Http.Get("/api/messages")).Json["items"]!.AsArray().Count.ShouldBe(1, "without q the list is history as before");
    }

    private static IReadOnlyList<string> Ids(ApiResponse page) =>
        [.. page.Json["items"]!.AsArray().Select(hit => hit!["message"]!["id"]!.GetValue<string>())];

    private static IReadOnlyList<string> Keys(ApiResponse page) =>
        [.. page.Json["items"]!.AsArray().Select(hit => hit!["entry"]!["key"]!.GetValue<string>())];

    private static async Task<TestAgent> Register(HttpClient anonymous, AgentChannelServer server, string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var response = await anonymous.Post("/api/agents/register", new { name, type = "llm" });
        response.Status.ShouldBe(HttpStatusCode.Created, response.Body?.ToJsonString());
        var token = response.Json["token"]!.GetValue<string>();
        return new TestAgent(name, Guid.Parse(response.Json["agent"]!["id"]!.GetValue<string>()), token, server.Client(token));
    }

    /// <summary>A server on the engine asked for, on a store of its own.</summary>
    private sealed class Host : IAsyncDisposable
    {
        private readonly PostgresTestDatabase? _database;
        private readonly TempDatabase? _file;

        private Host(AgentChannelServer server, PostgresTestDatabase? database, TempDatabase? file)
        {
            (Server, _database, _file) = (server, database, file);
            Operator = server.Client(AgentChannelServer.OperatorToken);
        }

        public AgentChannelServer Server { get; }

        public HttpClient Operator { get; }

        public static async Task<Host> Start(string engine)
        {
            if (engine == "postgres")
            {
                var database = await PostgresTestDatabase.Create();
                try
                {
                    var settings = new Dictionary<string, string?>
                    {
                        ["AgentChannel:Storage:Provider"] = "PostgreSQL",
                        ["AgentChannel:Storage:PostgresConnectionString"] = database.ConnectionString,
                    };
                    return new Host(await AgentChannelServer.StartAsync(Path.Combine(Path.GetTempPath(), $"unused-{Guid.NewGuid():N}.db"), settings), database, null);
                }
                catch
                {
                    await database.DisposeAsync();
                    throw;
                }
            }
            var file = new TempDatabase();
            return new Host(await AgentChannelServer.StartAsync(file.Path), null, file);
        }

        public async ValueTask DisposeAsync()
        {
            Operator.Dispose();
            await Server.DisposeAsync();
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
            _file?.Dispose();
        }
    }
}
