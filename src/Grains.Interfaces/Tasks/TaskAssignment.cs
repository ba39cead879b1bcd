namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// One agent's turn at a task (a row of the task's assignment history). Its <see cref="Id"/> is the fencing value: an
/// assignee that names it in an update or completion is refused with lease_lost once the assignment has ended.
/// </summary>
[GenerateSerializer, Alias("task-assignment")]
public sealed record TaskAssignment(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Agent,
    [property: Id(2)] AssignmentStatus Status,
    [property: Id(3)] DateTimeOffset AssignedAt,
    [property: Id(4)] DateTimeOffset? CompletedAt,
    [property: Id(5)] string AssignedBy);
