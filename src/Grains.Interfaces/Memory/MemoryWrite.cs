using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// A write of a key's value. A set <see cref="ExpectedVersion"/> makes it a compare-and-set; a set
/// <see cref="TtlSeconds"/> makes the key expire (be deleted, with an event) that long after this write.
/// </summary>
[GenerateSerializer, Alias("memory-write")]
public sealed record MemoryWrite(
    [property: Id(0)] RawJson? Value,
    [property: Id(1)] AccessControl? AccessControl = null,
    [property: Id(2)] long? ExpectedVersion = null,
    [property: Id(3)] double? TtlSeconds = null);
