using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Memory;

[GenerateSerializer, Alias("memory-entry")]
public sealed record MemoryEntry(
    [property: Id(0)] string Key,
    [property: Id(1)] RawJson Value,
    [property: Id(2)] long Version,
    [property: Id(3)] string CreatedBy,
    [property: Id(4)] string UpdatedBy,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] AccessControl AccessControl,
    [property: Id(8)] DateTimeOffset? ExpiresAt = null);
