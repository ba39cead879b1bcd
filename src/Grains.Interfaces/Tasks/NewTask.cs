using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

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
