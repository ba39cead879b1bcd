namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The assignee's latest question on a task and, once given, its answer. While <see cref="Answer"/> is null the task
/// is input_required; an answered request stays on the task as the last one asked.
/// </summary>
[GenerateSerializer, Immutable, Alias("task-input-request")]
public sealed record TaskInputRequest(
    [property: Id(0)] string Question,
    [property: Id(1)] string AskedBy,
    [property: Id(2)] DateTimeOffset AskedAt,
    [property: Id(3)] string? Answer = null,
    [property: Id(4)] string? AnsweredBy = null,
    [property: Id(5)] DateTimeOffset? AnsweredAt = null);
