using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.WebFrontend.Realtime;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>
/// <c>/mcp</c>: the channel for LLM tools over MCP Streamable HTTP, stateless so any gateway can answer any
/// request. A request without credentials may connect, list and register; a request with a bearer token that
/// is not valid is refused with 401 before it reaches MCP.
/// </summary>
public static partial class McpEndpoint
{
    public const string Path = "/mcp";
    private const string Policy = "mcp-caller";

    public static IServiceCollection AddAgentChannelMcp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
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
            .WithTools<AgentChannelTools>(AgentChannelJson.Options)
            .WithResources<AgentChannelResources>()
            .WithRequestFilters(filters =>
            {
                filters.AddCallToolFilter(next => async (context, cancellationToken) =>
                {
                    try
                    {
                        return await next(context, cancellationToken);
                    }
                    catch (Exception exception) when (McpErrors.ToWire(exception, context.Services) is { } error)
                    {
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
        return services;
    }

    public static IEndpointRouteBuilder MapAgentChannelMcp(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Path).RequireAuthorization(Policy).ExcludeFromDescription();
        return app;
    }
}

/// <summary>
/// Domain errors as MCP clients see them. A tool's error is a result with <c>isError</c> whose text is the
/// same error object the WebSocket protocol sends (<c>code</c>, <c>message</c>, <c>field</c>,
/// <c>current_version</c>), so a model can read it and a program can parse it.
/// </summary>
public static partial class McpErrors
{
    public static CallToolResult ToolError(WireError error) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = JsonSerializer.Serialize(error, AgentChannelJson.Options) }],
    };

    /// <summary>The wire error for what a tool threw; null leaves it to the SDK (cancellation).</summary>
    public static WireError? ToWire(Exception exception, IServiceProvider? services)
    {
        switch (exception)
        {
            case AgentChannelException error:
                return WireError.From(error);
            case JsonException json:
                return new WireError(ErrorKind.Invalid.ToWire(), $"An argument has the wrong type: {json.Message}", FieldOf(json.Path));
            case ArgumentException argument when argument.InnerException is JsonException json:
                return new WireError(ErrorKind.Invalid.ToWire(), $"An argument has the wrong type: {json.Message}", argument.ParamName ?? FieldOf(json.Path));
            case ArgumentException argument when argument.ParamName is not null:
                return new WireError(ErrorKind.Invalid.ToWire(), argument.Message, argument.ParamName);
            case OperationCanceledException:
                return null;
            default:
                var logger = services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(McpEndpoint).FullName!);
                if (logger is not null)
                {
                    LogToolFailed(logger, exception);
                }
                return WireError.Internal;
        }
    }

    /// <summary>Resource reads have no result to flag: the error is a JSON-RPC error whose message starts with the code.</summary>
    public static McpProtocolException ProtocolError(AgentChannelException error) => new(
        $"{error.Code.ToWire()}: {error.Message}",
        error.Code switch
        {
            ErrorKind.NotFound => McpErrorCode.ResourceNotFound,
            ErrorKind.Invalid or ErrorKind.TooLarge => McpErrorCode.InvalidParams,
            _ => McpErrorCode.InvalidRequest,
        });

    private static string? FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? null : path.TrimStart('$', '.');

    [LoggerMessage(Level = LogLevel.Error, Message = "An MCP tool call failed on the server.")]
    private static partial void LogToolFailed(ILogger logger, Exception exception);
}
