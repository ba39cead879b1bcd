namespace Orleans.AgentChannel.Stats;

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
