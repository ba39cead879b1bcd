using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Agents;

/// <summary>An agent as everyone may see it (the token hash never leaves its grain).</summary>
[GenerateSerializer, Immutable, Alias("agent-info")]
public sealed record AgentInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Type,
    [property: Id(3)] AgentStatus Status,
    [property: Id(4)] IReadOnlyList<string> Capabilities,
    [property: Id(5)] RawJson Metadata,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset LastSeen);
