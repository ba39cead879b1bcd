using System.Text.Json;

namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record A2ATask(
    string Id,
    string ContextId,
    A2ATaskStatus Status,
    IReadOnlyList<Artifact> Artifacts,
    IReadOnlyList<A2AMessage> History,
    JsonElement? Metadata);
