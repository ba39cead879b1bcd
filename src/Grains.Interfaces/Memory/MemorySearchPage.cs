namespace Orleans.AgentChannel.Memory;

[GenerateSerializer, Immutable, Alias("memory-search-page")]
public sealed record MemorySearchPage(
    [property: Id(0)] IReadOnlyList<MemoryHit> Items,
    [property: Id(1)] string? NextCursor);
