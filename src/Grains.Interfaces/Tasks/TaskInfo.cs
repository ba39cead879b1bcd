using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

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
