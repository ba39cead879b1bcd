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

/// <summary>
/// How long something took: how many there were, the nearest-rank 50th and 90th percentiles, the mean and the
/// longest, in milliseconds (all zero when there were none).
/// </summary>
[GenerateSerializer, Alias("stats-durations")]
public sealed record Durations(
    [property: Id(0)] int Count,
    [property: Id(1)] long P50Ms,
    [property: Id(2)] long P90Ms,
    [property: Id(3)] long MeanMs,
    [property: Id(4)] long MaxMs)
{
    public static readonly Durations None = new(0, 0, 0, 0, 0);
}

/// <summary>
/// The figures of one slice of the window. Figures about a task's start (created, queue wait,
/// re-assignments) count tasks created in the window and belong to their creator; figures about its end
/// (completed, failed, cancelled, completion time) count tasks that ended in the window and belong to the
/// agent that held them last. Queue wait is creation to first assignment; completion time is creation to
/// completion. Messages and memory writes are not tied to tasks, so per capability they are zero.
/// </summary>
[GenerateSerializer, Alias("stats-figures")]
public sealed record StatsFigures(
    [property: Id(0)] int TasksCreated,
    [property: Id(1)] int TasksCompleted,
    [property: Id(2)] int TasksFailed,
    [property: Id(3)] int TasksCancelled,
    [property: Id(4)] int Reassignments,
    [property: Id(5)] Durations CompletionTime,
    [property: Id(6)] Durations QueueWait,
    [property: Id(7)] long MessagesSent,
    [property: Id(8)] long MessagesReceived,
    [property: Id(9)] long MemoryWrites);

[GenerateSerializer, Alias("stats-hour")]
public sealed record HourStats(
    [property: Id(0)] DateTimeOffset Hour,
    [property: Id(1)] StatsFigures Figures);

/// <summary>One agent's figures; <see cref="Agent"/> is its name as stored in the index (lower case).</summary>
[GenerateSerializer, Alias("stats-agent")]
public sealed record AgentStats(
    [property: Id(0)] string Agent,
    [property: Id(1)] StatsFigures Figures);

/// <summary>Tasks needing the same set of capabilities (<c>""</c>: any agent could take them).</summary>
[GenerateSerializer, Alias("stats-capability")]
public sealed record CapabilityStats(
    [property: Id(0)] IReadOnlyList<string> Capabilities,
    [property: Id(1)] StatsFigures Figures);

/// <summary>A task singled out in a report (slowest, most re-assigned).</summary>
[GenerateSerializer, Alias("stats-task")]
public sealed record TaskStats(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] Tasks.AgentTaskStatus Status,
    [property: Id(3)] IReadOnlyList<string> Capabilities,
    [property: Id(4)] string? Assignee,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset? ClosedAt,
    [property: Id(7)] long? CompletionMs,
    [property: Id(8)] int Reassignments);

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
