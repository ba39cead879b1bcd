namespace Orleans.AgentChannel.Memory;

[GenerateSerializer, Alias("memory-key-page")]
public sealed record MemoryKeyPage(
    [property: Id(0)] IReadOnlyList<MemoryKeySummary> Items,
    [property: Id(1)] string? NextCursor);
