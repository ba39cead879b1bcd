using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>The REST API as an agent or the operator uses it: JSON in, JSON out, status checked.</summary>
public sealed class Api(Uri address, string? token) : IDisposable
{
    private readonly HttpClient _http = Create(address, token);

    public Task<JsonNode> Get(string url) => Send(HttpMethod.Get, url, null, HttpStatusCode.OK);

    public Task<JsonNode> Post(string url, object body, HttpStatusCode expected = HttpStatusCode.OK) => Send(HttpMethod.Post, url, body, expected);

    public Task<JsonNode> Put(string url, object body) => Send(HttpMethod.Put, url, body, HttpStatusCode.OK);

    public async Task<HttpResponseMessage> Raw(HttpRequestMessage request) => await _http.SendAsync(request, TestContext.Current.CancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<JsonNode> Send(HttpMethod method, string url, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(expected, $"{method} {url}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static HttpClient Create(Uri address, string? token)
    {
        var http = new HttpClient { BaseAddress = address };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }
}

/// <summary>An agent registered over REST for one test, with a client that carries its token.</summary>
public sealed record TestAgent(string Name, string Token, Api Api);
