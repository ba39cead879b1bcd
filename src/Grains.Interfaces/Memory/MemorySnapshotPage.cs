namespace Orleans.AgentChannel.Memory;

[GenerateSerializer, Alias("memory-snapshot-page")]
public sealed record MemorySnapshotPage(
    [property: Id(0)] IReadOnlyList<Events.MemoryUpdated> Items,
    [property: Id(1)] string? NextCursor);
