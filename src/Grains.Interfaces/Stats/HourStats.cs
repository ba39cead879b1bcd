namespace Orleans.AgentChannel.Stats;

[GenerateSerializer, Alias("stats-hour")]
public sealed record HourStats(
    [property: Id(0)] DateTimeOffset Hour,
    [property: Id(1)] StatsFigures Figures);
