using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.WebFrontend.Hosting;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// The real product host (embedded silo + Kestrel) on loopback with free ports and its own SQLite file,
/// exactly as <c>dotnet run --project src/WebFrontend</c> builds it.
/// </summary>
public sealed class AgentChannelServer : IAsyncDisposable
{
    public const string OperatorToken = "test-operator-token";

    private readonly WebApplication _app;

    private AgentChannelServer(WebApplication app, Uri address, string databasePath)
    {
        _app = app;
        Address = address;
        DatabasePath = databasePath;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public Realtime.RealtimeGateway Gateway => _app.Services.GetRequiredService<Realtime.RealtimeGateway>();

    /// <summary>
    /// Subscriptions Orleans holds on the first activity stream shard for this host (the console's: each of its
    /// subscribers takes every shard, and the gateway reads none).
    /// </summary>
    public Task<int> ActivitySubscriptions() => StreamSubscriptions(Events.AgentChannelStreams.Activity[0]);

    private async Task<int> StreamSubscriptions(Orleans.Runtime.StreamId streamId)
    {
        var stream = _app.Services.GetRequiredService<IClusterClient>()
            .GetStreamProvider(Events.AgentChannelStreams.ProviderName).GetStream<Events.AgentEvent>(streamId);
        return (await stream.GetAllSubscriptionHandles()).Count;
    }

    public string DatabasePath { get; }

    /// <param name="services">Extra registrations (e.g. test plugins) made before the host is built.</param>
    public static async Task<AgentChannelServer> StartAsync(string databasePath, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["AgentChannel:OperatorToken"] = OperatorToken,
            ["AgentChannel:Storage:SqlitePath"] = databasePath,
            ["AgentChannel:Silo:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentChannel:Silo:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentChannel:Silo:ClusterId"] = $"test-{Guid.NewGuid():N}",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var app = AgentChannelHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            services?.Invoke(builder.Services);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        // Bound to every interface (as a server reachable from other machines is): talk to it over loopback.
        var address = bound.Host is "0.0.0.0" or "[::]" ? new UriBuilder(bound) { Host = "127.0.0.1" }.Uri : bound;
        return new AgentChannelServer(app, address, databasePath);
    }

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Address };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A response as the wire has it: status, headers and the JSON body.</summary>
public sealed record ApiResponse(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Raw)
{
    public JsonNode Json => Body ?? throw new InvalidOperationException($"Response {Status} had no JSON body.");

    /// <summary>Asserts an RFC 7807 problem with our error code.</summary>
    public ApiResponse ShouldBeProblem(HttpStatusCode status, string code, string? field = null)
    {
        Status.ShouldBe(status, Body?.ToJsonString());
        Raw.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        Json["status"]!.GetValue<int>().ShouldBe((int)status);
        Json["code"]!.GetValue<string>().ShouldBe(code);
        if (field is not null)
        {
            Json["field"]?.GetValue<string>().ShouldBe(field, Body?.ToJsonString());
        }
        return this;
    }
}

public static class HttpClientJson
{
    public static Task<ApiResponse> Get(this HttpClient client, string url) => client.Send(HttpMethod.Get, url);

    public static Task<ApiResponse> Post(this HttpClient client, string url, object? body = null) => client.Send(HttpMethod.Post, url, body);

    public static Task<ApiResponse> Put(this HttpClient client, string url, object? body = null) => client.Send(HttpMethod.Put, url, body);

    public static Task<ApiResponse> Delete(this HttpClient client, string url) => client.Send(HttpMethod.Delete, url);

    /// <summary>Sends <paramref name="body"/> as JSON (a string is sent verbatim, so tests can send broken JSON).</summary>
    public static async Task<ApiResponse> Send(this HttpClient client, HttpMethod method, string url, object? body = null,
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            var json = body as string ?? JsonSerializer.Serialize(body);
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        configure?.Invoke(request);
        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return new ApiResponse(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }
}
