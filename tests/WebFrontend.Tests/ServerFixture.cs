using System.Net;

[assembly: AssemblyFixture(typeof(Orleans.AgentChannel.WebFrontend.Tests.ServerFixture))]

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>One running server shared by the API tests; each test registers agents with unique names.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private readonly TempDatabase _database = new();

    public AgentChannelServer Server { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await AgentChannelServer.StartAsync(_database.Path);
        Anonymous = Server.Client();
        Operator = Server.Client(AgentChannelServer.OperatorToken);
    }

    public async ValueTask DisposeAsync()
    {
        Anonymous.Dispose();
        Operator.Dispose();
        await Server.DisposeAsync();
        _database.Dispose();
    }

    /// <summary>Registers a uniquely named agent and returns its name, id and a client carrying its token.</summary>
    /// <summary>
    /// A capability no other agent has. Tests share this server, and a task without requirements that a test leaves
    /// open goes back to the engine when its assignee goes offline, which hands it to any online agent: another
    /// test's, whose inbox then holds an event that test did not expect. Give such tasks this as a requirement and
    /// their agent this capability.
    /// </summary>
    public static string OwnCapability() => $"own-{Guid.NewGuid():N}";

    public async Task<TestAgent> Register(string prefix, params string[] capabilities)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var response = await Anonymous.Post("/api/agents/register", new { name, type = "llm", capabilities });
        response.Status.ShouldBe(HttpStatusCode.Created, response.Body?.ToJsonString());
        var token = response.Json["token"]!.GetValue<string>();
        return new TestAgent(name, Guid.Parse(response.Json["agent"]!["id"]!.GetValue<string>()), token, Server.Client(token));
    }

    /// <summary>
    /// An agent whose inbox holds only what a test sends it: busy, so the engine hands it none of the tasks other
    /// tests create (its heartbeats and connections keep it busy).
    /// </summary>
    public async Task<TestAgent> RegisterBusy(string prefix)
    {
        var agent = await Register(prefix);
        (await agent.Http.Put($"/api/agents/{agent.Name}/status", new { status = "busy" })).Status.ShouldBe(HttpStatusCode.OK);
        return agent;
    }
}

public sealed record TestAgent(string Name, Guid Id, string Token, HttpClient Http);
