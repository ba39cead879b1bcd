namespace Orleans.AgentChannel.Events;

/// <summary>
/// The payload of <c>memory:updated</c>: the new version and who wrote it, with the value unless the key
/// was deleted (or expired) or the value is larger than the event limit (then <see cref="ValueOmitted"/>:
/// fetch it with memory:get). <see cref="Snapshot"/>: not a change as it happened but the key as it stands,
/// sent when a watch starts with a snapshot or live events may have been missed (versions in between are skipped).
/// </summary>
[GenerateSerializer, Alias("memory-updated")]
public sealed record MemoryUpdated(
    [property: Id(0)] string Key,
    [property: Id(1)] long Version,
    [property: Id(2)] string UpdatedBy,
    [property: Id(3)] DateTimeOffset UpdatedAt,
    [property: Id(4)] Json.RawJson? Value,
    [property: Id(5)] bool Deleted,
    [property: Id(6)] bool ValueOmitted = false,
    [property: Id(7)] bool Expired = false,
    [property: Id(8)] bool Snapshot = false);
