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

    /// <summary>The ids and titles of the given task rows (for the few a report names).</summary>
    Task<IReadOnlyDictionary<long, StatsTaskName>> Names(IReadOnlyCollection<long> rows);
}
