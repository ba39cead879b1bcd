using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.WebFrontend.Realtime;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>
/// Domain errors as MCP clients see them. A tool's error is a result with <c>isError</c> whose text is the
/// same error object the WebSocket protocol sends (<c>code</c>, <c>message</c>, <c>field</c>,
/// <c>current_version</c>), so a model can read it and a program can parse it. It is not structured
/// content: that must match the tool's output schema, and an error does not.
/// </summary>
public static partial class McpErrors
{
    public static CallToolResult ToolError(WireError error) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = JsonSerializer.Serialize(error, AgentChannelJson.Options) }],
    };

    /// <summary>The wire error for what a tool call threw; null leaves it to the SDK (cancellation, protocol errors).</summary>
    public static WireError? ToWire(Exception exception, RequestContext<CallToolRequestParams> context)
    {
        switch (exception)
        {
            case var _ when TransientFaults.DomainErrorOf(exception) is { } error:
                return WireError.From(error);
            // The SDK's own refusals (an unknown tool: -32602) stay JSON-RPC errors, as the protocol defines them.
            case OperationCanceledException or McpProtocolException:
                return null;
            // The SDK could not bind the arguments to the tool's parameters.
            case JsonException or ArgumentException { ParamName: "arguments" } or ArgumentException { InnerException: JsonException }:
                return ArgumentsError(context) ?? new WireError(ErrorKind.Invalid.ToWire(), "The arguments do not fit this tool's input schema.");
            default:
                if (context.Services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(McpErrors).FullName!) is { } logger)
                {
                    LogToolFailed(logger, exception, context.Params?.Name);
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

    /// <summary>Names the first argument that is missing or of the wrong JSON type, as the REST API names the field.</summary>
    private static WireError? ArgumentsError(RequestContext<CallToolRequestParams> context)
    {
        if (context.MatchedPrimitive is not McpServerTool tool)
        {
            return null;
        }
        var schema = tool.ProtocolTool.InputSchema;
        var arguments = context.Params?.Arguments ?? new Dictionary<string, JsonElement>();
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!arguments.ContainsKey(name))
                {
                    return Invalid(name, $"'{name}' is required.");
                }
            }
        }
        if (!schema.TryGetProperty("properties", out var properties))
        {
            return null;
        }
        foreach (var (name, value) in arguments)
        {
            if (!properties.TryGetProperty(name, out var property))
            {
                continue;
            }
            if (!Fits(property, value))
            {
                return Invalid(name, $"'{name}' must be {Describe(property)}.");
            }
            if (value.ValueKind == JsonValueKind.Array && property.TryGetProperty("items", out var items)
                && value.EnumerateArray().Any(item => !Fits(items, item)))
            {
                return Invalid(name, $"'{name}' must be an array of {Describe(items)}.");
            }
            if (property.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
            {
                return Invalid(name, $"'{name}' must be one of: {string.Join(", ", allowed.EnumerateArray().Where(a => a.ValueKind != JsonValueKind.Null))}.");
            }
        }
        return null;
    }

    private static WireError Invalid(string field, string message) => new(ErrorKind.Invalid.ToWire(), message, field);

    private static bool Fits(JsonElement property, JsonElement value)
    {
        if (property.TryGetProperty("format", out var format) && format.GetString() == "uuid"
            && value.ValueKind == JsonValueKind.String && !Guid.TryParse(value.GetString(), out _))
        {
            return false;
        }
        if (!property.TryGetProperty("type", out var type))
        {
            return true;
        }
        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Any(t => Fits(t.GetString(), value))
            : Fits(type.GetString(), value);
    }

    private static bool Fits(string? type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Describe(JsonElement property)
    {
        var type = property.TryGetProperty("type", out var declared)
            ? declared.ValueKind == JsonValueKind.Array
                ? string.Join(" or ", declared.EnumerateArray().Select(t => t.GetString()).Where(t => t != "null"))
                : declared.GetString() ?? "JSON"
            : "JSON";
        return property.TryGetProperty("format", out var format) ? $"{type} ({format.GetString()})" : type;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The MCP tool {Tool} failed on the server.")]
    private static partial void LogToolFailed(ILogger logger, Exception exception, string? tool);
}
