using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.WebFrontend.Api;
using Orleans.AgentChannel.WebFrontend.Realtime;

namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>
/// A2A (Agent2Agent protocol v1.0) over its JSON-RPC binding: the agent card at <c>/.well-known/agent-card.json</c>
/// and the operations at <c>POST /a2a</c>. A message starts a task of ours (or, naming one, joins its thread), and
/// the task's status is the A2A task's state. Callers authenticate with an agent token (or the operator's), and
/// act as that agent, as over REST.
/// </summary>
public static partial class A2AEndpoint
{
    public const string Path = "/a2a";
    public const string CardPath = "/.well-known/agent-card.json";
    public const string ProtocolVersion = "1.0";
    public const string VersionHeader = "A2A-Version";
    private const string BearerScheme = "agent_token";

    /// <summary>ProtoJSON as A2A writes it: camelCase, unset fields left out; unknown fields of a request ignored.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static IEndpointRouteBuilder MapAgentChannelA2A(this IEndpointRouteBuilder app)
    {
        app.MapGet(CardPath, Card).AllowAnonymous().WithTags("a2a").Produces<AgentCard>();
        app.MapPost(Path, Handle).RequireAuthorization().WithTags("a2a")
            .Accepts<JsonElement>("application/json")
            .Produces<JsonRpcResponse>(contentType: "application/json")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    /// <summary>
    /// The platform as one A2A agent: its skills are the capabilities registered agents offer (a task needing one
    /// names it in <c>metadata.capabilities</c>), plus handing out any task.
    /// </summary>
    private static async Task<IResult> Card(HttpRequest request, IGrainFactory grains)
    {
        var agents = await grains.GetGrain<IAgentDirectoryGrain>(0).List(new AgentQuery());
        var skills = agents.SelectMany(agent => agent.Capabilities).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(capability => new AgentSkill(capability, capability,
                $"Tasks for agents with the capability '{capability}': send metadata {{\"capabilities\": [\"{capability}\"]}}.",
                ["capability", capability], []))
            .Prepend(new AgentSkill("task", "Hand out a task",
                "The message becomes a task (its first line the title) that the channel's agents claim and complete; " +
                "its result is the artifact 'result'. Metadata may set title, priority (1-5) and capabilities.",
                ["task"], ["Summarize the open issues of the week"]))
            .ToList();
        var baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}";
        // A2A's camelCase, not the snake_case of our REST API.
        return Results.Json(new AgentCard(
            "Orleans.AgentChannel",
            "A channel where AI agents message each other, hand out tasks and share memory. Each message starts a task " +
            "for the registered agents; its status streams until one of them completes it.",
            [new AgentInterface($"{baseUrl}{Path}", "JSONRPC", ProtocolVersion)],
            typeof(A2AEndpoint).Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
            $"{baseUrl}/scalar",
            new AgentCapabilities(Streaming: true, PushNotifications: false, ExtendedAgentCard: false),
            new Dictionary<string, SecurityScheme>
            {
                [BearerScheme] = new(new HttpAuthSecurityScheme("Bearer", "AgentChannel agent token",
                    "An agent's token from POST /api/agents/register (or the MCP tool register_agent)")),
            },
            [new SecurityRequirement(new Dictionary<string, StringList> { [BearerScheme] = new([]) })],
            ["text/plain"],
            ["text/plain", "application/json"],
            skills), Json);
    }

    private static async Task Handle(HttpContext context, IClusterClient cluster, RealtimeGateway gateway,
        IOptions<RealtimeOptions> realtime, IOptions<PresenceOptions> presence, IHostApplicationLifetime lifetime,
        ILoggerFactory loggers, TimeProvider clock)
    {
        var logger = loggers.CreateLogger(typeof(A2AEndpoint));
        JsonElement? id = null;
        string? method = null;
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var operations = new A2AOperations(cluster, gateway, context.User.Caller(), realtime.Value.SendQueueCapacity,
            presence.Value.OfflineAfter / 3, clock, logger);
        try
        {
            JsonElement parameters;
            (id, method, parameters) = await ReadRequest(context.Request, ending.Token);
            using var span = AgentChannelTracing.StartHttp(AgentChannelTracing.A2A, $"a2a {method}");
            RequireSupportedVersion(context.Request, id);
            switch (method)
            {
                case A2AMethods.SendMessage:
                    await WriteResult(context, id, await operations.Send(Params<SendMessageRequest>(parameters), ending.Token));
                    break;
                case A2AMethods.GetTask:
                    await WriteResult(context, id, await operations.Get(Params<TaskIdRequest>(parameters)));
                    break;
                case A2AMethods.CancelTask:
                    await WriteResult(context, id, await operations.Cancel(Params<TaskIdRequest>(parameters)));
                    break;
                case A2AMethods.SendStreamingMessage:
                    await WriteStream(context, id, operations.SendStreaming(Params<SendMessageRequest>(parameters), ending.Token), ending.Token);
                    break;
                case A2AMethods.SubscribeToTask:
                    await WriteStream(context, id, operations.Subscribe(Params<TaskIdRequest>(parameters), ending.Token), ending.Token);
                    break;
                default:
                    throw new RpcException(JsonRpcCodes.MethodNotFound,
                        $"No method '{method}'. This server speaks A2A {ProtocolVersion}: {A2AMethods.SendMessage}, " +
                        $"{A2AMethods.SendStreamingMessage}, {A2AMethods.GetTask}, {A2AMethods.CancelTask}, {A2AMethods.SubscribeToTask}.");
            }
        }
        catch (Exception) when (ending.IsCancellationRequested)
        {
            // The client went or the server is stopping: nobody to answer.
        }
        catch (Exception exception)
        {
            var error = ToRpcError(exception, method);
            id = (exception as RpcException)?.Id ?? id;
            if (error.Code == JsonRpcCodes.InternalError && TransientFaults.DomainErrorOf(exception) is null)
            {
                LogFailed(logger, exception, method);
            }
            if (context.Response.HasStarted)
            {
                // Mid-stream: the error is the stream's last event.
                await WriteEvent(context, JsonRpcResponse.Failure(id, error), ending.Token);
            }
            else
            {
                await context.Response.WriteAsJsonAsync(JsonRpcResponse.Failure(id, error), Json, ending.Token);
            }
        }
    }

    /// <summary>
    /// Our errors as JSON-RPC errors, with our error object (code, message, field) as <c>data</c>. A task that does
    /// not exist is A2A's TaskNotFound; a cancel the task refuses (closed already, or not the caller's to cancel)
    /// TaskNotCancelable; other refusals UnsupportedOperation; bad input InvalidParams.
    /// </summary>
    public static JsonRpcError ToRpcError(Exception exception, string? method) => exception switch
    {
        RpcException rpc => new JsonRpcError(rpc.Code, rpc.Message),
        _ when TransientFaults.DomainErrorOf(exception) is { } error => new JsonRpcError(error.Code switch
        {
            ErrorKind.NotFound => JsonRpcCodes.TaskNotFound,
            // JSON-RPC has no "try again": the error object in data says unavailable, with its retry hint.
            ErrorKind.Unavailable => JsonRpcCodes.InternalError,
            ErrorKind.Invalid or ErrorKind.TooLarge => JsonRpcCodes.InvalidParams,
            ErrorKind.Conflict or ErrorKind.Forbidden when method == A2AMethods.CancelTask => JsonRpcCodes.TaskNotCancelable,
            _ => JsonRpcCodes.UnsupportedOperation,
        }, error.Message, WireError.From(error)),
        _ => new JsonRpcError(JsonRpcCodes.InternalError, WireError.Internal.Message, WireError.Internal),
    };

    /// <summary>A JSON-RPC 2.0 request object: its id (echoed), its method and its params (an object).</summary>
    private static async Task<(JsonElement? Id, string Method, JsonElement Params)> ReadRequest(HttpRequest request, CancellationToken cancellation)
    {
        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, Json, cancellation);
        }
        catch (JsonException exception)
        {
            throw new RpcException(JsonRpcCodes.ParseError, $"The body is not JSON: {exception.Message}");
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A body over AgentChannel:MaxRequestBodyBytes is the caller's, not the server's, fault (docs/api.md 5).
            throw new AgentChannelException(ErrorKind.TooLarge, exception.Message);
        }
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new RpcException(JsonRpcCodes.InvalidRequest, "A JSON-RPC request is an object (batches are not served).");
        }
        JsonElement? id = body.TryGetProperty("id", out var given) ? given.Clone() : null;
        if (id is { ValueKind: not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null) })
        {
            throw new RpcException(JsonRpcCodes.InvalidRequest, "'id' must be a string, a number or null.");
        }
        if (!body.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
        {
            throw new RpcException(JsonRpcCodes.InvalidRequest, "'jsonrpc' must be \"2.0\".", id);
        }
        if (!body.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
        {
            throw new RpcException(JsonRpcCodes.InvalidRequest, "'method' (a string) is required.", id);
        }
        var parameters = body.TryGetProperty("params", out var p) ? p.Clone() : default;
        if (parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined))
        {
            throw new RpcException(JsonRpcCodes.InvalidParams, "'params' must be an object.", id);
        }
        return (id, method.GetString()!, parameters);
    }

    /// <summary>
    /// A2A clients name the version they speak in a header (the 1.0 SDK sends 1.0); a request without it, as from
    /// curl, is taken as 1.0.
    /// </summary>
    private static void RequireSupportedVersion(HttpRequest request, JsonElement? id)
    {
        var version = request.Headers[VersionHeader].ToString();
        if (version.Length > 0 && version != ProtocolVersion)
        {
            throw new RpcException(JsonRpcCodes.VersionNotSupported,
                $"A2A version {version} is not supported: this server speaks {ProtocolVersion} ({VersionHeader}: {ProtocolVersion}).", id);
        }
    }

    private static T Params<T>(JsonElement parameters) where T : class
    {
        try
        {
            return (parameters.ValueKind == JsonValueKind.Undefined ? null : parameters.Deserialize<T>(Json))
                   ?? throw new RpcException(JsonRpcCodes.InvalidParams, "'params' is required.");
        }
        catch (JsonException exception)
        {
            throw new RpcException(JsonRpcCodes.InvalidParams,
                $"'params' does not fit the method{(exception.Path is { } path ? $" at {path}" : "")}: {exception.Message}");
        }
    }

    private static Task WriteResult(HttpContext context, JsonElement? id, object result) =>
        context.Response.WriteAsJsonAsync(JsonRpcResponse.Success(id, result), Json);

    /// <summary>
    /// An SSE response, one JSON-RPC response per event. The first item is awaited before the response starts, so
    /// a request refused at once (no such task, bad params) is answered as a plain JSON-RPC error.
    /// </summary>
    private static async Task WriteStream(HttpContext context, JsonElement? id, IAsyncEnumerable<StreamResponse> events,
        CancellationToken cancellation)
    {
        await using var items = events.GetAsyncEnumerator(cancellation);
        if (!await items.MoveNextAsync())
        {
            return;
        }
        EventsEndpoints.StartEventStream(context.Response);
        do
        {
            await WriteEvent(context, JsonRpcResponse.Success(id, items.Current), cancellation);
        }
        while (await items.MoveNextAsync());
    }

    private static async Task WriteEvent(HttpContext context, JsonRpcResponse response, CancellationToken cancellation)
    {
        // Serialized JSON has no line breaks, so each event is one data line.
        await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(response, Json)}\n\n", cancellation);
        await context.Response.Body.FlushAsync(cancellation);
    }

    [LoggerMessage(LogLevel.Error, "The A2A method {Method} failed on the server")]
    private static partial void LogFailed(ILogger logger, Exception exception, string? method);

    /// <summary>A JSON-RPC error raised by the protocol layer itself (the request's shape, an unknown method).</summary>
    private sealed class RpcException(int code, string message, JsonElement? id = null) : Exception(message)
    {
        public int Code { get; } = code;

        public JsonElement? Id { get; } = id;
    }
}
