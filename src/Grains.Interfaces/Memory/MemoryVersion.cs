using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Memory;

/// <summary>One earlier (or the current) version of a key, as its history keeps it.</summary>
[GenerateSerializer, Alias("memory-version")]
public sealed record MemoryVersion(
    [property: Id(0)] string Key,
    [property: Id(1)] long Version,
    [property: Id(2)] RawJson Value,
    [property: Id(3)] string UpdatedBy,
    [property: Id(4)] DateTimeOffset UpdatedAt);
