using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Agents;

[GenerateSerializer, Alias("agent-status")]
public enum AgentStatus
{
    Online,
    Busy,
    Offline,
}

/// <summary>What an agent says about itself when it registers (or re-registers with its token).</summary>
[GenerateSerializer, Alias("agent-registration")]
public sealed record AgentRegistration(
    [property: Id(0)] string Name,
    [property: Id(1)] string Type,
    [property: Id(2)] IReadOnlyList<string>? Capabilities,
    [property: Id(3)] RawJson? Metadata);

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

/// <summary>
/// The outcome of a registration. <see cref="Token"/> is set only when the agent was created: the secret is
/// shown once and only its hash is stored.
/// </summary>
[GenerateSerializer, Alias("agent-registered")]
public sealed record AgentRegistered(
    [property: Id(0)] AgentInfo Agent,
    [property: Id(1)] string? Token,
    [property: Id(2)] bool Created);

/// <summary>Filters for listing agents; every field is optional.</summary>
[GenerateSerializer, Alias("agent-query")]
public sealed record AgentQuery(
    [property: Id(0)] AgentStatus? Status = null,
    [property: Id(1)] string? Type = null,
    [property: Id(2)] string? Capability = null);

/// <summary>An agent in a listing: its public fields plus how many open tasks it holds.</summary>
[GenerateSerializer, Immutable, Alias("agent-listing")]
public sealed record AgentListing(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Type,
    [property: Id(3)] AgentStatus Status,
    [property: Id(4)] IReadOnlyList<string> Capabilities,
    [property: Id(5)] RawJson Metadata,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset LastSeen,
    [property: Id(8)] int ActiveTaskCount)
{
    public static AgentListing From(AgentInfo agent, int activeTaskCount) => new(
        agent.Id, agent.Name, agent.Type, agent.Status, agent.Capabilities, agent.Metadata,
        agent.CreatedAt, agent.LastSeen, activeTaskCount);
}
