using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Tests;
using Orleans.Configuration;
using Orleans.Streams;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>
/// The silo's trust boundary, probed the way an attacker on the gateway port would: a plain Orleans client (no
/// AgentClient) calling grains with whatever <see cref="Caller"/> it likes, with no token, a forged one, or an
/// agent's own.
/// </summary>
public sealed class ClusterBoundaryTests(ClusterFixture cluster) : IAsyncLifetime
{
    private TestServer Server => cluster.Server;
    private IHost _rawClientHost = null!;
    private IClusterClient _raw = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, Server.GatewayPort))
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = Server.ClusterId;
                options.ServiceId = AgentClientOptions.DefaultClusterId;
            }));
        _rawClientHost = builder.Build();
        await _rawClientHost.StartAsync(TestContext.Current.CancellationToken);
        _raw = _rawClientHost.Services.GetRequiredService<IClusterClient>();
    }

    public async ValueTask DisposeAsync()
    {
        await _rawClientHost.StopAsync(CancellationToken.None);
        _rawClientHost.Dispose();
    }

    [Fact]
    public async Task A_client_without_a_token_can_neither_read_nor_write_as_the_operator_or_another_agent_and_changes_nothing()
    {
        var (victim, key, _) = await VictimWithPrivateKey();
        var memory = _raw.GetGrain<IMemoryGrain>(key);

        await Refused(ErrorKind.Unauthorized, () => memory.Get(Caller.Operator));
        await Refused(ErrorKind.Unauthorized, () => memory.Get(Caller.Agent(victim)));
        await Refused(ErrorKind.Unauthorized, () => memory.TrySet(Caller.Agent(victim), new MemoryWrite(Json("""{"launch":"pwned"}"""))).OrThrow());
        await Refused(ErrorKind.Unauthorized, () => memory.Delete(Caller.Operator, expectedVersion: null));
        await Refused(ErrorKind.Unauthorized, () => _raw.GetGrain<IAgentGrain>(AgentNames.Key(victim)).ReadInbox(0, 10));
        await Refused(ErrorKind.Unauthorized, () => _raw.GetGrain<IAgentGrain>(AgentNames.Key(victim)).SetStatus(Caller.Agent(victim), AgentStatus.Offline));
        var forgedTask = Guid.CreateVersion7();
        await Refused(ErrorKind.Unauthorized, () => _raw.GetGrain<ITaskGrain>(forgedTask).Create(Caller.Agent(victim), new NewTask("forged")));
        await Refused(ErrorKind.Unauthorized, () => _raw.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery()));

        await ValueIsUnchanged(key);
        (await Server.Operator().GetAsync($"/api/tasks/{forgedTask}", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_forged_token_is_unauthorized_and_changes_nothing()
    {
        var (victim, key, _) = await VictimWithPrivateKey();
        using (ClusterCredential.Present(AgentTokens.Create(victim)))
        {
            var refused = await Refused(ErrorKind.Unauthorized, () => _raw.GetGrain<IMemoryGrain>(key).TrySet(Caller.Agent(victim), new MemoryWrite(Json("""{"launch":"pwned"}"""))).OrThrow());
            refused.Message.ShouldContain("not valid");
        }
        using (ClusterCredential.Present("op_not-the-operator-token"))
        {
            await Refused(ErrorKind.Unauthorized, () => _raw.GetGrain<IMemoryGrain>(key).Get(Caller.Operator));
        }
        await ValueIsUnchanged(key);
    }

    [Fact]
    public async Task An_agents_token_acts_as_that_agent_only()
    {
        var (victim, key, _) = await VictimWithPrivateKey();
        var malloryName = TestServer.Unique("mallory");
        var (mallory, malloryToken) = await Server.ConnectWebSocket(malloryName);
        await mallory.DisposeAsync();
        var memory = _raw.GetGrain<IMemoryGrain>(key);

        using (ClusterCredential.Present(malloryToken))
        {
            await Refused(ErrorKind.Forbidden, () => memory.Get(Caller.Operator));
            await Refused(ErrorKind.Forbidden, () => memory.TrySet(Caller.Agent(victim), new MemoryWrite(Json("""{"launch":"pwned"}"""))).OrThrow());
            // As itself the grain's own rule applies: the access list allows only the victim, as REST says with 403.
            await Refused(ErrorKind.Forbidden, () => memory.Get(Caller.Agent(malloryName)));
            // Another agent's inbox and the silo-only methods stay closed.
            await Refused(ErrorKind.Forbidden, () => _raw.GetGrain<IAgentGrain>(AgentNames.Key(victim)).ReadInbox(0, 10));
            await Refused(ErrorKind.Forbidden, () => _raw.GetGrain<IAgentGrain>(AgentNames.Key(victim)).Deliver([]));
            await Refused(ErrorKind.Forbidden, () => _raw.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Wake());

            var created = await _raw.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(Caller.Agent(malloryName), new NewTask("mallory's own"));
            created.Creator.ShouldBe(malloryName);
            (await _raw.GetGrain<IAgentGrain>(AgentNames.Key(malloryName)).ReadInbox(0, 10)).ShouldNotBeNull();
        }
        await ValueIsUnchanged(key);
    }

    [Fact]
    public async Task An_agents_token_reads_only_the_history_that_agent_was_party_to()
    {
        var (alice, aliceToken) = await Agent("alice");
        var (bob, bobToken) = await Agent("bob");
        var (mallory, malloryToken) = await Agent("mallory");
        var messages = _raw.GetGrain<Messages.IMessagesGrain>(0);
        Messages.MessageInfo sent;
        using (ClusterCredential.Present(aliceToken))
        {
            sent = await messages.Send(Caller.Agent(alice), new Messages.MessageDraft("for bob only", [bob]));
        }
        using (ClusterCredential.Present(bobToken))
        {
            (await messages.Get(Caller.Agent(bob), sent.Id)).Content.ShouldBe("for bob only");
        }

        using (ClusterCredential.Present(malloryToken))
        {
            // As itself: the message is not there for it, by id or in any list.
            await Refused(ErrorKind.NotFound, () => messages.Get(Caller.Agent(mallory), sent.Id));
            (await messages.List(Caller.Agent(mallory), new Messages.MessageQuery(Sender: alice))).Items.ShouldBeEmpty();
            (await messages.List(Caller.Agent(mallory), new Messages.MessageQuery(Recipient: bob))).Items.ShouldBeEmpty();
            // As a party or as the operator: refused at the gateway.
            await Refused(ErrorKind.Forbidden, () => messages.Get(Caller.Agent(bob), sent.Id));
            await Refused(ErrorKind.Forbidden, () => messages.List(Caller.Agent(alice), new Messages.MessageQuery()));
            await Refused(ErrorKind.Forbidden, () => messages.List(Caller.Operator, new Messages.MessageQuery()));
        }
    }

    private async Task<(string Name, string Token)> Agent(string prefix)
    {
        var name = TestServer.Unique(prefix);
        var (socket, token) = await Server.ConnectWebSocket(name);
        await socket.DisposeAsync();
        return (name, token);
    }

    [Fact]
    public async Task The_owners_token_and_the_operators_token_work_and_registering_needs_none()
    {
        var (victim, key, victimToken) = await VictimWithPrivateKey();
        var memory = _raw.GetGrain<IMemoryGrain>(key);
        using (ClusterCredential.Present(victimToken))
        {
            (await memory.Get(Caller.Agent(victim))).Value.Text.ShouldBe("""{"launch":"code-42"}""");
        }
        using (ClusterCredential.Present(AgentChannelServer.OperatorToken))
        {
            (await memory.Get(Caller.Operator)).Value.Text.ShouldBe("""{"launch":"code-42"}""");
        }

        var newcomer = TestServer.Unique("newcomer");
        var registered = await _raw.GetGrain<IAgentGrain>(AgentNames.Key(newcomer)).Register(new AgentRegistration(newcomer, "llm", [], null), presentedToken: null);
        registered.Token.ShouldNotBeNull();
    }

    [Fact]
    public async Task An_agent_watching_a_prefix_is_never_sent_the_value_of_a_key_under_it_that_it_may_not_read()
    {
        var (victim, secretKey, victimToken) = await VictimWithPrivateKey();
        var spyName = TestServer.Unique("spy");
        var (spySocket, spyToken) = await Server.ConnectWebSocket(spyName);
        await spySocket.DisposeAsync();
        // The spy's own process, as close to the wire as it gets: an observer of its own, registered on its own
        // grain with its own token, watching the whole prefix. Everything the cluster sends it lands here.
        var received = new RecordingObserver();
        var observer = _raw.CreateObjectReference<Events.IInboxObserver>(received);
        using (ClusterCredential.Present(spyToken))
        {
            await _raw.GetGrain<IAgentGrain>(AgentNames.Key(spyName))
                .Connected("spy-connection", observer, new Events.LiveInterest(Presence: false, [], ["boundary/"]));
        }

        using var victimHttp = Server.Host.Client(victimToken);
        (await victimHttp.PutAsJsonAsync($"/api/memory/{secretKey}", new { value = new { launch = "code-43" } }, TestContext.Current.CancellationToken))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var openKey = $"boundary/{Guid.NewGuid():N}";
        (await victimHttp.PostAsJsonAsync("/api/memory", new { key = openKey, value = new { launch = "public" } }, TestContext.Current.CancellationToken))
            .StatusCode.ShouldBe(HttpStatusCode.Created);

        // Both keys' owners announce in the order of the writes; the open key's update comes once the secret's was decided.
        await Poll.Until(() => Task.FromResult(received.Items.Any(item => item.Data.Text.Contains(openKey, StringComparison.Ordinal))), "the open key's update");
        received.Items.ShouldNotContain(item => item.Data.Text.Contains("code-4", StringComparison.Ordinal));
        received.Items.ShouldNotContain(item => item.Data.Text.Contains(secretKey, StringComparison.Ordinal));
        _raw.DeleteObjectReference<Events.IInboxObserver>(observer);
    }

    [Fact]
    public async Task An_agent_token_cannot_subscribe_to_the_activity_streams()
    {
        var (_, _, victimToken) = await VictimWithPrivateKey();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, Server.GatewayPort))
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = Server.ClusterId;
                options.ServiceId = AgentClientOptions.DefaultClusterId;
            })
            .AddMemoryStreams(Events.AgentChannelStreams.ProviderName));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var stream = host.Services.GetRequiredService<IClusterClient>().GetStreamProvider(Events.AgentChannelStreams.ProviderName)
            .GetStream<Events.AgentEvent>(Events.AgentChannelStreams.Activity[0]);
        using (ClusterCredential.Present(victimToken))
        {
            await Refused(ErrorKind.Forbidden, () => stream.SubscribeAsync((Events.AgentEvent _, Orleans.Streams.StreamSequenceToken? _) => Task.CompletedTask));
        }
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private sealed class RecordingObserver : Events.IInboxObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<Events.AgentEvent> _items = new();

        public IReadOnlyCollection<Events.AgentEvent> Items => _items;

        public Task Stored(IReadOnlyList<Events.AgentEvent> items) => Record(items);

        public Task Revoked(string code, string reason) => Task.CompletedTask;

        public Task Live(IReadOnlyList<Events.AgentEvent> items) => Record(items);

        private Task Record(IReadOnlyList<Events.AgentEvent> items)
        {
            foreach (var item in items)
            {
                _items.Enqueue(item);
            }
            return Task.CompletedTask;
        }
    }

    /// <summary>An agent holding a memory key only it may read or write, with <c>{"launch":"code-42"}</c> in it.</summary>
    private async Task<(string Victim, string Key, string Token)> VictimWithPrivateKey()
    {
        var name = TestServer.Unique("victim");
        var (socket, victimToken) = await Server.ConnectWebSocket(name);
        await socket.DisposeAsync();
        var key = $"boundary/{Guid.NewGuid():N}";
        using var http = Server.Host.Client(victimToken);
        var stored = await http.PostAsJsonAsync("/api/memory", new
        {
            key,
            value = new { launch = "code-42" },
            access_control = new { read = new[] { name }, write = new[] { name } },
        }, TestContext.Current.CancellationToken);
        stored.StatusCode.ShouldBe(HttpStatusCode.Created, await stored.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return (name, key, victimToken);
    }

    private async Task ValueIsUnchanged(string key)
    {
        var entry = await Server.Operator().GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/memory/{key}", TestContext.Current.CancellationToken);
        entry!["value"]!.ToJsonString().ShouldBe("""{"launch":"code-42"}""");
        entry["version"]!.GetValue<long>().ShouldBe(1);
    }

    private static async Task<AgentChannelException> Refused(ErrorKind code, Func<Task> call)
    {
        var refused = await Should.ThrowAsync<AgentChannelException>(call);
        refused.Code.ShouldBe(code, refused.Message);
        return refused;
    }

    private static RawJson Json(string text) => RawJson.Parse(text);
}
