using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// An MCP client as an LLM tool would run it: the SDK's own McpClient over Streamable HTTP to /mcp, with
/// the agent's bearer token (if any) as a configured header.
/// </summary>
public sealed class McpAgent : IAsyncDisposable
{
    private McpAgent(McpClient client) => Client = client;

    public McpClient Client { get; }

    public static async Task<McpAgent> Connect(AgentChannelServer server, string? token = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(server.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = token is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        });
        return new McpAgent(await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken));
    }

    /// <summary>Calls a tool that must succeed and returns its result as JSON.</summary>
    public async Task<JsonNode> Call(string tool, object? arguments = null)
    {
        var result = await Invoke(tool, arguments);
        result.IsError.ShouldNotBe(true, $"{tool} failed: {TextOf(result)}");
        result.StructuredContent.ShouldNotBeNull($"{tool} has an output schema, so it returns structured content");
        return JsonNode.Parse(TextOf(result))!;
    }

    /// <summary>Calls a tool that must fail as a tool error (isError) and returns the error object.</summary>
    public async Task<JsonNode> CallFailing(string tool, object? arguments, string code, string? field = null)
    {
        var result = await Invoke(tool, arguments);
        result.IsError.ShouldBe(true, $"{tool} should have failed with {code}: {TextOf(result)}");
        var error = JsonNode.Parse(TextOf(result))!;
        error["code"]!.GetValue<string>().ShouldBe(code, error.ToJsonString());
        error["message"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        if (field is not null)
        {
            error["field"]?.GetValue<string>().ShouldBe(field, error.ToJsonString());
        }
        return error;
    }

    public Task<CallToolResult> Invoke(string tool, object? arguments = null)
    {
        var json = JsonSerializer.SerializeToElement(arguments ?? new { });
        var dictionary = json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        return Client.CallToolAsync(tool, dictionary, cancellationToken: TestContext.Current.CancellationToken).AsTask();
    }

    public async Task<JsonNode> ReadResource(string uri)
    {
        var result = await Client.ReadResourceAsync(uri, cancellationToken: TestContext.Current.CancellationToken);
        var contents = result.Contents.ShouldHaveSingleItem().ShouldBeOfType<TextResourceContents>();
        contents.MimeType.ShouldBe("application/json");
        return JsonNode.Parse(contents.Text)!;
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();

    private static string TextOf(CallToolResult result) =>
        result.Content.OfType<TextContentBlock>().ShouldHaveSingleItem().Text;
}
