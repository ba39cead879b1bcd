using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Grains.Tests;
using Orleans.AgentChannel.Identity;
using Orleans.Configuration;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// Issue 26.1, on both engines (PostgreSQL skipped without AGENTCHANNEL_TEST_POSTGRES): a token that was rotated or
/// revoked stops at once on REST, WebSocket, MCP and the cluster gateway; a retired agent leaves listings and
/// assignment, keeps its history, gets no new mail (410 gone, nothing stored), and only the operator brings its name
/// back; stale agents are retired by the sweep.
/// </summary>
public sealed class IdentityLifecycleTests
{
    public static TheoryData<string> Engines => new() { "sqlite", "postgres" };

    [Theory(Timeout = 120_000), MemberData(nameof(Engines))]
    public async Task A_rotated_token_stops_at_once_on_rest_websocket_mcp_and_the_gateway(string engine)
    {
        await using var host = await Engine.Start(engine);
        var server = host.Server;
        var (name, first) = await Register(server, "rotating");
        await using var socket = await WsClient.Connect(server);
        await socket.Register(new { token = first });
        await using var stream = await EventStream.Open(server, first);
        await using var gateway = await RawGatewayClient.Start(host);

        var rotated = await server.Client(first).Post($"/api/agents/{name}/token");
        rotated.Status.ShouldBe(HttpStatusCode.OK, rotated.Body?.ToJsonString());
        var second = rotated.Json["token"]!.GetValue<string>();
        second.ShouldNotBe(first);

        // REST, MCP and the gateway refuse the old token on the very next call, and take the new one.
        (await server.Client(first).Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
        (await server.Client(second).Get("/api/agents")).Status.ShouldBe(HttpStatusCode.OK);
        (await McpInitialize(server, first)).ShouldBe(HttpStatusCode.Unauthorized);
        (await McpInitialize(server, second)).ShouldBe(HttpStatusCode.OK);
        var refused = await gateway.InboxPosition(name, first).ShouldThrowAsync<AgentChannelException>();
        refused.Code.ShouldBe(ErrorKind.Unauthorized);
        await gateway.InboxPosition(name, second);

        // The live connection opened with the old token is told why and closed.
        var notice = await socket.NextPush(frame => frame["event"]!.GetValue<string>() == "session:revoked");
        notice["data"]!["code"]!.GetValue<string>().ShouldBe("token_rotated");
        await socket.Closed.WaitAsync(WsClient.Deadline, TestContext.Current.CancellationToken);
        socket.CloseStatus.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        socket.CloseDescription.ShouldStartWith("token_rotated");
        // So is the SSE stream: its last event says why, then it ends.
        var ended = await stream.Next();
        ended.Event.ShouldBe("session:revoked");
        ended.Data["code"]!.GetValue<string>().ShouldBe("token_rotated");
        await Should.ThrowAsync<InvalidOperationException>(() => stream.Next());
        await using (var late = await WsClient.Connect(server))
        {
            var reply = await late.Request("agent:register", new { token = first });
            reply["data"]!["code"]!.GetValue<string>().ShouldBe("unauthorized");
        }

        // Over the WebSocket the asking connection stays open with the new token; MCP has a tool for it too.
        await using var keeper = await WsClient.Connect(server);
        await keeper.Register(new { token = second });
        var overSocket = await keeper.Ack("agent:rotate_token");
        var third = overSocket["token"]!.GetValue<string>();
        (await keeper.Ack("agent:heartbeat")).ShouldNotBeNull();
        (await server.Client(second).Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await using (var mcp = await McpAgent.Connect(server, third))
        {
            var fourth = (await mcp.Call("rotate_token"))["token"]!.GetValue<string>();
            (await server.Client(third).Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
            (await server.Client(fourth).Get("/api/agents")).Status.ShouldBe(HttpStatusCode.OK);
        }
        var closedToo = await keeper.NextPush(frame => frame["event"]!.GetValue<string>() == "session:revoked");
        closedToo["data"]!["code"]!.GetValue<string>().ShouldBe("token_rotated");

        // Only the agent rotates its own token: another agent is refused, the operator revokes or re-registers instead.
        var (_, other) = await Register(server, "other");
        (await server.Client(other).Post($"/api/agents/{name}/token")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await server.Client(AgentChannelServer.OperatorToken).Post($"/api/agents/{name}/token")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory(Timeout = 120_000), MemberData(nameof(Engines))]
    public async Task The_operator_revokes_a_token_and_only_the_operator_registers_the_agent_again(string engine)
    {
        await using var host = await Engine.Start(engine);
        var server = host.Server;
        using var operatorHttp = server.Client(AgentChannelServer.OperatorToken);
        var (name, token) = await Register(server, "revoked");
        await using var socket = await WsClient.Connect(server);
        await socket.Register(new { token });
        await using var gateway = await RawGatewayClient.Start(host);

        (await server.Client(token).Delete($"/api/agents/{name}/token")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await operatorHttp.Delete($"/api/agents/{name}/token")).Status.ShouldBe(HttpStatusCode.NoContent);

        (await server.Client(token).Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
        (await McpInitialize(server, token)).ShouldBe(HttpStatusCode.Unauthorized);
        (await gateway.InboxPosition(name, token).ShouldThrowAsync<AgentChannelException>()).Code.ShouldBe(ErrorKind.Unauthorized);
        var notice = await socket.NextPush(frame => frame["event"]!.GetValue<string>() == "session:revoked");
        notice["data"]!["code"]!.GetValue<string>().ShouldBe("token_revoked");
        await socket.Closed.WaitAsync(WsClient.Deadline, TestContext.Current.CancellationToken);
        socket.CloseStatus.ShouldBe(WebSocketCloseStatus.PolicyViolation);
        (await operatorHttp.Get($"/api/agents/{name}")).Json["status"]!.GetValue<string>().ShouldBe("offline");

        // The agent cannot come back by itself, with or without its old token.
        (await server.Client(token).Post("/api/agents/register", new { name, type = "llm" })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        (await server.Client().Post("/api/agents/register", new { name, type = "llm" })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");

        var again = await operatorHttp.Post("/api/agents/register", new { name, type = "llm", capabilities = new[] { "back" } });
        again.Status.ShouldBe(HttpStatusCode.OK, again.Body?.ToJsonString());
        var issued = again.Json["token"]!.GetValue<string>();
        (await server.Client(issued).Get($"/api/agents/{name}")).Json["capabilities"]![0]!.GetValue<string>().ShouldBe("back");
        (await server.Client(token).Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory(Timeout = 120_000), MemberData(nameof(Engines))]
    public async Task A_retired_agent_leaves_listing_and_assignment_keeps_its_history_and_its_mail_is_gone(string engine)
    {
        await using var host = await Engine.Start(engine);
        var server = host.Server;
        using var operatorHttp = server.Client(AgentChannelServer.OperatorToken);
        var capability = $"cap-{Guid.NewGuid():N}";
        var (worker, workerToken, workerId) = await RegisterWithId(server, "worker", capability);
        var (senderName, senderToken) = await Register(server, "sender");
        using var senderHttp = server.Client(senderToken);
        await using var workerSocket = await WsClient.Connect(server);
        await workerSocket.Register(new { token = workerToken });

        var room = $"room-{Guid.NewGuid():N}"[..16];
        (await server.Client(workerToken).Post($"/api/channels/{room}/join")).Status.ShouldBe(HttpStatusCode.OK);
        (await senderHttp.Post($"/api/channels/{room}/join")).Status.ShouldBe(HttpStatusCode.OK);
        var before = await senderHttp.Post("/api/messages", new { content = "before retirement", recipients = new[] { worker } });
        before.Status.ShouldBe(HttpStatusCode.Created, before.Body?.ToJsonString());
        var task = await senderHttp.Post("/api/tasks", new { title = "held", requirements = new { capabilities = new[] { capability } } });
        var taskId = task.Json["id"]!.GetValue<string>();
        await Poll.Until(async () => (await operatorHttp.Get($"/api/tasks/{taskId}")).Json["assigned_to"]?.GetValue<string>() == worker,
            "the engine hands the task to the worker");

        (await server.Client(senderToken).Delete($"/api/agents/{worker}")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await server.Client(workerToken).Delete($"/api/agents/{worker}")).Status.ShouldBe(HttpStatusCode.NoContent);

        // Its token and connections stop.
        var notice = await workerSocket.NextPush(frame => frame["event"]!.GetValue<string>() == "session:revoked");
        notice["data"]!["code"]!.GetValue<string>().ShouldBe("agent_retired");
        (await server.Client(workerToken).Get("/api/agents")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");

        // Gone from listings (also by capability) and from lookups; its history stays.
        (await operatorHttp.Get("/api/agents")).Json["items"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).ShouldNotContain(worker);
        (await operatorHttp.Get($"/api/agents?capability={capability}")).Json["items"]!.AsArray().ShouldBeEmpty();
        (await operatorHttp.Get($"/api/agents/{worker}")).ShouldBeProblem(HttpStatusCode.Gone, "gone");
        (await operatorHttp.Get($"/api/agents/{workerId}")).ShouldBeProblem(HttpStatusCode.Gone, "gone");
        (await operatorHttp.Get($"/api/messages/{before.Json["id"]!.GetValue<string>()}")).Status.ShouldBe(HttpStatusCode.OK);
        var history = (await operatorHttp.Get($"/api/messages?recipient={worker}")).Json["items"]!.AsArray();
        history.Count.ShouldBe(1);
        await Poll.Until(async () => (await operatorHttp.Get($"/api/channels/{room}")).Json["members"]!.AsArray()
                .Select(member => member!.GetValue<string>()).SequenceEqual([senderName]),
            "the retired agent gone from the channel's members, the others staying");

        // New mail is refused as gone on every front door, and nothing is stored.
        (await senderHttp.Post("/api/messages", new { content = "after", recipients = new[] { worker } })).ShouldBeProblem(HttpStatusCode.Gone, "gone");
        await using (var senderSocket = await WsClient.Connect(server))
        {
            await senderSocket.Register(new { token = senderToken });
            var overSocket = await senderSocket.Request("message:send", new { content = "after", recipients = new[] { worker } });
            overSocket["event"]!.GetValue<string>().ShouldBe("error");
            overSocket["data"]!["code"]!.GetValue<string>().ShouldBe("gone");
        }
        await using (var mcp = await McpAgent.Connect(server, senderToken))
        {
            await mcp.CallFailing("send_message", new { content = "after", recipients = new[] { worker } }, "gone");
        }
        (await operatorHttp.Get($"/api/messages?recipient={worker}")).Json["items"]!.AsArray().Count.ShouldBe(1);
        (await operatorHttp.Post($"/api/tasks/{taskId}/assign", new { agent = worker })).ShouldBeProblem(HttpStatusCode.Gone, "gone");

        // Its open task went back to the queue, and goes to the next capable agent.
        await Poll.Until(async () => (await operatorHttp.Get($"/api/tasks/{taskId}")).Json["status"]!.GetValue<string>() == "pending",
            "the retired agent's task back to pending");
        var (successor, successorToken) = await Register(server, "successor", capability);
        await using var successorSocket = await WsClient.Connect(server);
        await successorSocket.Register(new { token = successorToken });
        await Poll.Until(async () => (await operatorHttp.Get($"/api/tasks/{taskId}")).Json["assigned_to"]?.GetValue<string>() == successor,
            "the task reassigned to a capable agent");

        // Its name is held: only the operator registers it again.
        (await server.Client().Post("/api/agents/register", new { name = worker, type = "llm" })).ShouldBeProblem(HttpStatusCode.Gone, "gone");
        (await server.Client(workerToken).Post("/api/agents/register", new { name = worker, type = "llm" })).ShouldBeProblem(HttpStatusCode.Gone, "gone");
        var restored = await operatorHttp.Post("/api/agents/register", new { name = worker, type = "llm" });
        restored.Status.ShouldBe(HttpStatusCode.OK, restored.Body?.ToJsonString());
        (await operatorHttp.Get("/api/agents")).Json["items"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).ShouldContain(worker);
        (await senderHttp.Post("/api/messages", new { content = "welcome back", recipients = new[] { worker } })).Status.ShouldBe(HttpStatusCode.Created);
    }

    [Theory(Timeout = 120_000), MemberData(nameof(Engines))]
    public async Task Agents_offline_longer_than_the_setting_are_retired_and_present_ones_stay(string engine)
    {
        await using var host = await Engine.Start(engine, new Dictionary<string, string?>
        {
            ["AgentChannel:Agents:RetireOfflineAfterSeconds"] = "1",
            ["AgentChannel:Agents:RetireSweepSeconds"] = "0.2",
        });
        var server = host.Server;
        using var operatorHttp = server.Client(AgentChannelServer.OperatorToken);
        var (stale, staleToken) = await Register(server, "stale");
        var (present, presentToken) = await Register(server, "present");
        await using var socket = await WsClient.Connect(server);
        await socket.Register(new { token = presentToken });

        (await server.Client(staleToken).Put($"/api/agents/{stale}/status", new { status = "offline" })).Status.ShouldBe(HttpStatusCode.OK);

        await Poll.Until(async () => (await operatorHttp.Get($"/api/agents/{stale}")).Status == HttpStatusCode.Gone,
            "the sweep retires the agent offline for over a second");
        (await operatorHttp.Get("/api/agents")).Json["items"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).ShouldContain(present);
        (await operatorHttp.Get($"/api/agents/{present}")).Status.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task<(string Name, string Token)> Register(AgentChannelServer server, string prefix, params string[] capabilities)
    {
        var (name, token, _) = await RegisterWithId(server, prefix, capabilities);
        return (name, token);
    }

    private static async Task<(string Name, string Token, string Id)> RegisterWithId(AgentChannelServer server, string prefix, params string[] capabilities)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var response = await server.Client().Post("/api/agents/register", new { name, type = "llm", capabilities });
        response.Status.ShouldBe(HttpStatusCode.Created, response.Body?.ToJsonString());
        return (name, response.Json["token"]!.GetValue<string>(), response.Json["agent"]!["id"]!.GetValue<string>());
    }

    /// <summary>An MCP initialize as a client sends it first: the bearer token decides the status.</summary>
    private static async Task<HttpStatusCode> McpInitialize(AgentChannelServer server, string token)
    {
        using var http = server.Client(token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        // The status is all that matters here; the body (an event stream when accepted) is not read.
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    /// <summary>A server on the engine asked for, with a known gateway port and cluster id for a raw Orleans client.</summary>
    private sealed class Engine : IAsyncDisposable
    {
        private readonly PostgresTestDatabase? _database;
        private readonly TempDatabase? _file;

        private Engine(AgentChannelServer server, int gatewayPort, string clusterId, PostgresTestDatabase? database, TempDatabase? file)
        {
            Server = server;
            GatewayPort = gatewayPort;
            ClusterId = clusterId;
            _database = database;
            _file = file;
        }

        public AgentChannelServer Server { get; }

        public int GatewayPort { get; }

        public string ClusterId { get; }

        public static async Task<Engine> Start(string engine, IDictionary<string, string?>? extra = null)
        {
            var gatewayPort = AgentChannelServer.FreePort();
            var clusterId = $"test-{Guid.NewGuid():N}";
            var settings = new Dictionary<string, string?>
            {
                ["AgentChannel:Silo:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["AgentChannel:Silo:ClusterId"] = clusterId,
                ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "50",
            };
            foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }
            if (engine == "postgres")
            {
                var database = await PostgresTestDatabase.Create();
                settings["AgentChannel:Storage:Provider"] = "PostgreSQL";
                settings["AgentChannel:Storage:PostgresConnectionString"] = database.ConnectionString;
                try
                {
                    var server = await AgentChannelServer.StartAsync(Path.Combine(Path.GetTempPath(), $"unused-{Guid.NewGuid():N}.db"), settings);
                    return new Engine(server, gatewayPort, clusterId, database, null);
                }
                catch
                {
                    await database.DisposeAsync();
                    throw;
                }
            }
            var file = new TempDatabase();
            return new Engine(await AgentChannelServer.StartAsync(file.Path, settings), gatewayPort, clusterId, null, file);
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
            _file?.Dispose();
        }
    }

    /// <summary>A plain Orleans client on the gateway port, presenting whatever token a test gives it.</summary>
    private sealed class RawGatewayClient : IAsyncDisposable
    {
        private readonly IHost _host;

        private RawGatewayClient(IHost host) => _host = host;

        public static async Task<RawGatewayClient> Start(Engine engine)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.UseOrleansClient(client => client
                .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, engine.GatewayPort))
                .Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = engine.ClusterId;
                    options.ServiceId = "agentchannel";
                }));
            var host = builder.Build();
            await host.StartAsync(TestContext.Current.CancellationToken);
            return new RawGatewayClient(host);
        }

        /// <summary>A call an agent's token opens on its own grain only.</summary>
        public async Task InboxPosition(string agent, string token)
        {
            using var presented = ClusterCredential.Present(token);
            await _host.Services.GetRequiredService<IClusterClient>().GetGrain<IAgentGrain>(AgentNames.Key(agent)).GetInboxPosition();
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync(CancellationToken.None);
            _host.Dispose();
        }
    }
}
