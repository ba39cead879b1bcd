using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Agents;

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
