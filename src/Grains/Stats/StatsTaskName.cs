namespace Orleans.AgentChannel.Stats;

public sealed record StatsTaskName(Guid Id, string Title);
