using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.WebFrontend.Api;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>
/// <c>/mcp</c>: the channel for LLM tools over MCP Streamable HTTP, stateless so any gateway can answer any
/// request. A request without credentials may connect, list and register; a request with a bearer token that
/// is not valid is refused with 401 before it reaches MCP.
/// </summary>
public static class McpEndpoint
{
    public const string Path = "/mcp";
    private const string Policy = "mcp-caller";

    /// <summary>
    /// The one JSON shape (snake_case), with the resolver the SDK needs to build tool schemas from it, and
    /// System.Text.Json's own enum converter: a schema lists an enum's values only for that one.
    /// </summary>
    private static readonly JsonSerializerOptions ToolJson = ToolOptions();

    private static JsonSerializerOptions ToolOptions()
    {
        var options = new JsonSerializerOptions(AgentChannelJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        options.Converters.Remove(options.Converters.OfType<WireEnumConverter>().Single());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        return options;
    }

    public static IServiceCollection AddAgentChannelMcp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddOptions<McpOptions>().BindConfiguration(McpOptions.Section)
            .Validate(options => options.AllowedOrigins.All(McpOrigins.IsOrigin),
                $"{McpOptions.Section}:AllowedOrigins holds origins such as 'http://localhost:6274': scheme, host and port, no path.")
            .ValidateOnStart();
        services.AddSingleton<McpOrigins>();
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.RequireAssertion(context =>
            context.User.Identity?.IsAuthenticated == true
            || (context.Resource is HttpContext http && http.Request.Headers.Authorization.Count == 0)));
        services.AddMcpServer(options =>
            {
                options.ServerInfo = new Implementation
                {
                    Name = "orleans-agentchannel",
                    Title = "Orleans.AgentChannel",
                    Version = typeof(McpEndpoint).Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
                };
                options.ServerInstructions =
                    "A channel where AI agents message each other, hand out tasks and share memory. Register once " +
                    "(register_agent) and send the returned token as 'Authorization: Bearer <token>'. Check read_inbox " +
                    "for messages and assigned tasks, and ack_inbox what you processed. Errors carry a code: invalid, " +
                    "unauthorized, forbidden, not_found, conflict (with current_version) or too_large.";
            })
            .WithHttpTransport(transport => transport.Stateless = true)
            .WithTools<AgentChannelTools>(ToolJson)
            .WithTools<ArtifactTools>(ToolJson)
            .WithResources<AgentChannelResources>()
            .WithRequestFilters(filters =>
            {
                filters.AddCallToolFilter(next => async (context, cancellationToken) =>
                {
                    using var span = StartToolSpan(context);
                    try
                    {
                        await SignOfLife(context);
                        return await next(context, cancellationToken);
                    }
                    catch (Exception exception) when (McpErrors.ToWire(exception, context) is { } error)
                    {
                        span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.Code);
                        return McpErrors.ToolError(error);
                    }
                });
                filters.AddReadResourceFilter(next => async (context, cancellationToken) =>
                {
                    try
                    {
                        return await next(context, cancellationToken);
                    }
                    catch (AgentChannelException exception)
                    {
                        throw McpErrors.ProtocolError(exception);
                    }
                });
            });
        services.PostConfigure<McpServerOptions>(options => McpSchemas.NormalizeAll(options.ToolCollection ?? []));
        return services;
    }

    /// <summary>
    /// A tool call's span: under ASP.NET Core's request span (the HTTP transport's traceparent header), or, when the
    /// request carried none, under a <c>traceparent</c> in the call's <c>_meta</c> (how MCP hosts pass trace context).
    /// </summary>
    private static System.Diagnostics.Activity? StartToolSpan(RequestContext<CallToolRequestParams> context)
    {
        var name = $"mcp {context.Params?.Name}";
        var span = AgentChannelTracing.IsUntracedRequest(System.Diagnostics.Activity.Current)
                   && context.Params?.Meta?["traceparent"]?.GetValueKind() == JsonValueKind.String
            ? AgentChannelTracing.StartRequest(AgentChannelTracing.Mcp, name, context.Params.Meta["traceparent"]!.GetValue<string>())
            : AgentChannelTracing.StartHttp(AgentChannelTracing.Mcp, name);
        span?.SetTag(AgentChannelTracing.EventTag, context.Params?.Name);
        return span;
    }

    /// <summary>
    /// An MCP agent has no connection to keep it present, so each of its tool calls is its heartbeat: it stays
    /// online while it works and keeps the leases on its tasks, as a REST agent does with POST .../heartbeat.
    /// </summary>
    private static async Task SignOfLife(RequestContext<CallToolRequestParams> context)
    {
        if (context.User?.Identity?.IsAuthenticated == true && McpCaller.Of(context.User) is { IsOperator: false } caller
            && context.Services?.GetService<IGrainFactory>() is { } grains)
        {
            await grains.GetGrain<IAgentGrain>(AgentNames.Key(caller.Name)).Heartbeat(caller, status: null);
        }
    }

    public static IEndpointRouteBuilder MapAgentChannelMcp(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path).RequireAuthorization(Policy).ExcludeFromDescription().RefusingForeignOrigins().RefusingBodiesWithoutContentType();
        // Stateless: there is no GET event stream. The spec's answer for that is 405 (clients then carry on
        // without one); left unmapped, GET would be a 404, which to an MCP client means "session gone".
        app.MapGet(Path, (HttpContext context) =>
        {
            context.Response.Headers.Allow = HttpMethods.Post;
            return Results.Problem(statusCode: StatusCodes.Status405MethodNotAllowed,
                detail: "This MCP endpoint is stateless and offers no event stream: send requests with POST.",
                extensions: new Dictionary<string, object?> { ["code"] = ProblemResponses.CodeOf(StatusCodes.Status405MethodNotAllowed) });
        }).ExcludeFromDescription().RefusingForeignOrigins();
        return app;
    }

    /// <summary>
    /// The transport answers a body of another media type 415, but one with no Content-Type at all reaches its JSON
    /// reader and throws (a 500); such a body gets the same 415 here.
    /// </summary>
    private static TBuilder RefusingBodiesWithoutContentType<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var next = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = context =>
            {
                if (HttpMethods.IsPost(context.Request.Method) && string.IsNullOrEmpty(context.Request.ContentType))
                {
                    context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                    return Task.CompletedTask;
                }
                return next(context);
            };
        });
        return builder;
    }

    private static TBuilder RefusingForeignOrigins<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint => endpoint.RequestDelegate = McpOrigins.Guard(endpoint.RequestDelegate!));
        return builder;
    }
}
