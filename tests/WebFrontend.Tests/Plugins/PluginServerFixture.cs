using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Plugins;

namespace Orleans.AgentChannel.WebFrontend.Tests.Plugins;

/// <summary>A server of its own with the test plugins registered in code, and short plugin time-outs.</summary>
public sealed class PluginServerFixture : IAsyncLifetime
{
    private readonly TempDatabase _database = new();

    public AgentChannelServer Server { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public T Plugin<T>() where T : notnull => Server.Services.GetRequiredService<T>();

    public async ValueTask InitializeAsync()
    {
        Server = await AgentChannelServer.StartAsync(_database.Path, new Dictionary<string, string?>
        {
            ["AgentChannel:Plugins:TimeoutMilliseconds"] = "300",
            ["AgentChannel:Plugins:SinkRetryDelayMilliseconds"] = "20",
            ["AgentChannel:Plugins:SinkMaxRetries"] = "3",
            ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "50",
        }, services => services
            .AddAgentChannelPlugin<FaultyAssignmentStrategy>()
            .AddAgentChannelPlugin<PickAssignmentStrategy>()
            .AddAgentChannelPlugin<PolicyInterceptor>()
            .AddAgentChannelPlugin<FaultyInterceptor>()
            .AddAgentChannelPlugin<RecordingSink>()
            .AddAgentChannelPlugin<FlakySink>()
            .AddAgentChannelPlugin<HangingSink>());
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

    public async Task<TestAgent> Register(string prefix, params string[] capabilities)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var response = await Anonymous.Post("/api/agents/register", new { name, type = "llm", capabilities });
        response.Status.ShouldBe(System.Net.HttpStatusCode.Created, response.Body?.ToJsonString());
        var token = response.Json["token"]!.GetValue<string>();
        return new TestAgent(name, Guid.Parse(response.Json["agent"]!["id"]!.GetValue<string>()), token, Server.Client(token));
    }

    /// <summary>The health the server reports for one plugin type (GET /api/plugins).</summary>
    public async Task<System.Text.Json.Nodes.JsonNode> Health<T>()
    {
        var plugins = await Operator.Get("/api/plugins");
        return plugins.Json["items"]!.AsArray().Single(item => item!["name"]!.GetValue<string>() == typeof(T).FullName)!;
    }
}
