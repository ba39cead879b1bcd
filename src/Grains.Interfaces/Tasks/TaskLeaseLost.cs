namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The payload of <c>task:lease_lost</c>: <see cref="Agent"/>'s assignment <see cref="AssignmentId"/> of task
/// <see cref="TaskId"/> was ended by someone else (see <see cref="LeaseLostReasons"/>); calls naming it are refused.
/// </summary>
[GenerateSerializer, Alias("task-lease-lost")]
public sealed record TaskLeaseLost(
    [property: Id(0)] Guid TaskId,
    [property: Id(1)] Guid AssignmentId,
    [property: Id(2)] string Agent,
    [property: Id(3)] string Reason,
    [property: Id(4)] string Detail,
    [property: Id(5)] DateTimeOffset LostAt);
