namespace Orleans.AgentChannel.Tasks;

[GenerateSerializer, Alias("task-page")]
public sealed record TaskPage(
    [property: Id(0)] IReadOnlyList<TaskInfo> Items,
    [property: Id(1)] string? NextCursor);
