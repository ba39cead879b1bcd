namespace Orleans.AgentChannel.Stats;

/// <summary>
/// What the operator asks for: a window (either end may be left to the default) and optionally one agent.
/// Figures are kept per UTC hour, so the window is widened to whole hours; the report says which.
/// </summary>
[GenerateSerializer, Alias("stats-query")]
public sealed record StatsQuery(
    [property: Id(0)] DateTimeOffset? From = null,
    [property: Id(1)] DateTimeOffset? To = null,
    [property: Id(2)] string? Agent = null);
