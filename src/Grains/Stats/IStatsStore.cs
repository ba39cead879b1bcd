namespace Orleans.AgentChannel.Stats;

/// <summary>
/// Every read behind the reports, over the stored records (times are Unix milliseconds, windows half-open
/// [from, to)). The task rows come from the tasks query table by indexed time ranges; messages and memory
/// writes from per-hour, per-agent counters the writers keep in the same transactions as the records.
/// </summary>
public interface IStatsStore
{
    /// <summary>Tasks created in the window (only those <paramref name="creatorKey"/> created, when given).</summary>
    Task<IReadOnlyList<StatsTaskRow>> TasksCreated(long fromMs, long toMs, string? creatorKey);

    /// <summary>Tasks that ended (completed, failed, cancelled) in the window (only those <paramref name="assigneeKey"/> held last, when given).</summary>
    Task<IReadOnlyList<StatsTaskRow>> TasksClosed(long fromMs, long toMs, string? assigneeKey);

    /// <summary>The per-hour activity counters in the window (only <paramref name="agentKey"/>'s, when given).</summary>
    Task<IReadOnlyList<StatsActivityRow>> Activity(long fromHourMs, long toHourMs, string? agentKey);

    /// <summary>The titles of the given tasks (for the few a report names).</summary>
    Task<IReadOnlyDictionary<Guid, string>> Titles(IReadOnlyCollection<Guid> ids);
}

/// <summary>A task as the reports see it. <see cref="Capabilities"/> is the engine's pool key (a JSON list).</summary>
public sealed record StatsTaskRow(
    Guid Id,
    string Status,
    string Creator,
    string? Assignee,
    string Capabilities,
    long CreatedAt,
    long? FirstAssignedAt,
    long? ClosedAt,
    int Assignments);

/// <summary>One agent's counters for one hour (the hour's start, Unix ms).</summary>
public sealed record StatsActivityRow(long Hour, string Agent, long MessagesSent, long MessagesReceived, long MemoryWrites);
