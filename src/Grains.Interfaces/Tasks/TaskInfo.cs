using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

[GenerateSerializer, Alias("task-status")]
public enum AgentTaskStatus
{
    Pending,
    Blocked,
    Assigned,
    InProgress,
    Completed,
    Failed,
    Cancelled,

    /// <summary>
    /// The assignee asked a question (<see cref="TaskInfo.InputRequest"/>) and waits for the creator or the operator to
    /// answer; it keeps the task, and its lease is paused. A2A's <c>input-required</c>.
    /// </summary>
    InputRequired,

    /// <summary>
    /// The assignee completed a task that requires approval: the creator or the operator approves it (completed) or
    /// sends it back (in_progress). The assignee keeps it meanwhile, its lease paused; dependents wait.
    /// </summary>
    AwaitingApproval,
}

[GenerateSerializer, Alias("assignment-status")]
public enum AssignmentStatus
{
    Assigned,
    InProgress,
    Completed,
    Failed,
    Cancelled,
    Reassigned,

    /// <summary>Taken back from the agent: it went offline or its lease ran out. The task was queued again.</summary>
    Released,
}

/// <summary>
/// A new task as its creator describes it; the creator is the caller, not a field. Without AssignTo the
/// assignment engine picks a capable agent. <see cref="Force"/> (operator only) assigns even to an agent
/// that is offline or lacks the required capabilities. With <see cref="RequiresApproval"/>, the assignee's completion
/// waits (awaiting_approval) until the creator or the operator approves it.
/// </summary>
[GenerateSerializer, Alias("new-task")]
public sealed record NewTask(
    [property: Id(0)] string Title,
    [property: Id(1)] string? Description = null,
    [property: Id(2), JsonConverter(typeof(NotNullConverter<int>))] int? Priority = null,
    [property: Id(3)] DateTimeOffset? DueDate = null,
    [property: Id(4)] RawJson? Requirements = null,
    [property: Id(5)] string? AssignTo = null,
    [property: Id(6)] IReadOnlyList<Guid>? DependsOn = null,
    [property: Id(7)] bool Force = false,
    [property: Id(8)] bool RequiresApproval = false);

/// <summary>
/// A partial update: only the fields that are set change. <see cref="AssignmentId"/> is not a field but a fence: when
/// set, the update is refused with lease_lost unless that assignment is still the task's current one.
/// </summary>
[GenerateSerializer, Alias("task-update")]
public sealed record TaskUpdate(
    [property: Id(0)] string? Title = null,
    [property: Id(1)] string? Description = null,
    [property: Id(2), JsonConverter(typeof(NotNullConverter<int>))] int? Priority = null,
    [property: Id(3)] DateTimeOffset? DueDate = null,
    [property: Id(4)] RawJson? Requirements = null,
    [property: Id(5)] AgentTaskStatus? Status = null,
    [property: Id(6)] RawJson? Result = null,
    [property: Id(7)] IReadOnlyList<Guid>? DependsOn = null,
    [property: Id(8)] Guid? AssignmentId = null,
    [property: Id(9), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Guid>? Artifacts = null);

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

[GenerateSerializer, Alias("task-info")]
public sealed record TaskInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Description,
    [property: Id(3)] AgentTaskStatus Status,
    [property: Id(4)] int Priority,
    [property: Id(5)] string Creator,
    [property: Id(6)] string? AssignedTo,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset UpdatedAt,
    [property: Id(9)] DateTimeOffset? DueDate,
    [property: Id(10)] DateTimeOffset? CompletedAt,
    [property: Id(11)] RawJson Requirements,
    [property: Id(12)] RawJson? Result,
    [property: Id(13)] IReadOnlyList<TaskAssignment> Assignments,
    [property: Id(14)] IReadOnlyList<Guid> DependsOn,
    [property: Id(15)] int Attempts,
    [property: Id(16)] DateTimeOffset? LeaseExpiresAt,
    [property: Id(17)] string? StatusReason,
    [property: Id(18)] bool Overdue,
    [property: Id(19)] Guid? AssignmentId = null,
    [property: Id(20)] bool RequiresApproval = false,
    [property: Id(21)] TaskInputRequest? InputRequest = null,
    [property: Id(22)] TaskReview? Review = null,
    [property: Id(23), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Guid>? Artifacts = null);

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

/// <summary>Why an assignee lost its assignment: the <c>reason</c> of <c>task:lease_lost</c>.</summary>
public static class LeaseLostReasons
{
    /// <summary>No heartbeat or progress within the lease; the task was taken back.</summary>
    public const string LeaseExpired = "lease_expired";

    /// <summary>Taken back for another reason, e.g. the agent went offline.</summary>
    public const string Released = "released";

    /// <summary>The creator or the operator assigned the task to another agent.</summary>
    public const string Reassigned = "reassigned";

    /// <summary>The creator or the operator cancelled the task.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The operator completed the task.</summary>
    public const string Completed = "completed";

    /// <summary>The operator failed the task.</summary>
    public const string Failed = "failed";
}

/// <summary>Filters for listing tasks, newest first, paged by an opaque cursor.</summary>
[GenerateSerializer, Alias("task-query")]
public sealed record TaskQuery(
    [property: Id(0)] AgentTaskStatus? Status = null,
    [property: Id(1)] string? Assignee = null,
    [property: Id(2)] string? Creator = null,
    [property: Id(3)] int? Priority = null,
    [property: Id(4)] int Limit = 50,
    [property: Id(5)] string? Cursor = null);

[GenerateSerializer, Alias("task-page")]
public sealed record TaskPage(
    [property: Id(0)] IReadOnlyList<TaskInfo> Items,
    [property: Id(1)] string? NextCursor);

/// <summary>What the assignment engine got when it offered a task to an agent.</summary>
[GenerateSerializer, Alias("engine-offer")]
public enum EngineOffer
{
    Assigned,

    /// <summary>The task is no longer waiting (claimed, cancelled, or assigned by someone else).</summary>
    NotWaiting,

    /// <summary>This agent cannot take it (no longer capable or present); try another.</summary>
    Refused,
}

public static class TaskPriorities
{
    /// <summary>1 is the most urgent (P1), 5 the least.</summary>
    public const int Highest = 1;
    public const int Lowest = 5;
    public const int Default = 3;
}
