namespace Orleans.AgentChannel.Stats;

[GenerateSerializer, Alias("stats-report")]
public sealed record StatsReport(
    [property: Id(0)] DateTimeOffset From,
    [property: Id(1)] DateTimeOffset To,
    [property: Id(2)] string? Agent,
    [property: Id(3)] StatsFigures Totals,
    [property: Id(4)] IReadOnlyList<HourStats> ByHour,
    [property: Id(5)] IReadOnlyList<AgentStats> ByAgent,
    [property: Id(6)] IReadOnlyList<CapabilityStats> ByCapability,
    [property: Id(7)] IReadOnlyList<TaskStats> SlowestTasks,
    [property: Id(8)] IReadOnlyList<TaskStats> MostReassignedTasks);
