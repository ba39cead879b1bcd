namespace Orleans.AgentChannel.Memory;

/// <summary>A key in a listing, without its value.</summary>
[GenerateSerializer, Alias("memory-key-summary")]
public sealed record MemoryKeySummary(
    [property: Id(0)] string Key,
    [property: Id(1)] long Version,
    [property: Id(2)] string CreatedBy,
    [property: Id(3)] string UpdatedBy,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] int SizeBytes);
