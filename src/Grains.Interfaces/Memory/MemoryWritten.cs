namespace Orleans.AgentChannel.Memory;

[GenerateSerializer, Alias("memory-written")]
public sealed record MemoryWritten(
    [property: Id(0)] MemoryEntry Entry,
    [property: Id(1)] bool Created);
