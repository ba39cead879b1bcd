namespace Orleans.AgentChannel.Tasks;

/// <summary>Filters for listing tasks, newest first, paged by an opaque cursor.</summary>
[GenerateSerializer, Alias("task-query")]
public sealed record TaskQuery(
    [property: Id(0)] AgentTaskStatus? Status = null,
    [property: Id(1)] string? Assignee = null,
    [property: Id(2)] string? Creator = null,
    [property: Id(3)] int? Priority = null,
    [property: Id(4)] int Limit = 50,
    [property: Id(5)] string? Cursor = null);
