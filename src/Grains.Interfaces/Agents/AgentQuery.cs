namespace Orleans.AgentChannel.Agents;

/// <summary>Filters for listing agents; every field is optional.</summary>
[GenerateSerializer, Alias("agent-query")]
public sealed record AgentQuery(
    [property: Id(0)] AgentStatus? Status = null,
    [property: Id(1)] string? Type = null,
    [property: Id(2)] string? Capability = null);
