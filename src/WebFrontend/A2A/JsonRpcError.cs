using System.Text.Json.Serialization;

namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>A JSON-RPC error; <see cref="Data"/> carries the channel's own error object (code, message, field).</summary>
public sealed record JsonRpcError(
    int Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Data = null);
