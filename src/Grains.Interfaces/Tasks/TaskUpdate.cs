using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

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
