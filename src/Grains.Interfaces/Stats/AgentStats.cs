namespace Orleans.AgentChannel.Stats;

/// <summary>One agent's figures; <see cref="Agent"/> is its name as stored in the index (lower case).</summary>
[GenerateSerializer, Alias("stats-agent")]
public sealed record AgentStats(
    [property: Id(0)] string Agent,
    [property: Id(1)] StatsFigures Figures);
