namespace Orleans.AgentChannel.Stats;

/// <summary>Tasks needing the same set of capabilities (<c>""</c>: any agent could take them).</summary>
[GenerateSerializer, Alias("stats-capability")]
public sealed record CapabilityStats(
    [property: Id(0)] IReadOnlyList<string> Capabilities,
    [property: Id(1)] StatsFigures Figures);
