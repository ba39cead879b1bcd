namespace Orleans.AgentChannel.Stats;

/// <summary>One agent's counters for one hour (the hour's start, Unix ms).</summary>
public sealed record StatsActivityRow(long Hour, string Agent, long MessagesSent, long MessagesReceived, long MemoryWrites);
