using System.Text.Json;

namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>One turn of the conversation. Parts other than text (data, files) are kept as JSON.</summary>
public sealed record A2AMessage(
    string? MessageId,
    string? Role,
    IReadOnlyList<Part>? Parts,
    string? ContextId = null,
    string? TaskId = null,
    JsonElement? Metadata = null);
