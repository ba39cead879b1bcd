using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// A key's value and metadata. A deleted key keeps its version (a tombstone), so a key that is
/// re-created continues from a higher version and a stale compare-and-set can never succeed.
/// </summary>
[GenerateSerializer, Alias("memory-state")]
public sealed class MemoryState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public RawJson Value { get; set; } = RawJson.Null;
    [Id(2)] public long Version { get; set; }
    [Id(3)] public string CreatedBy { get; set; } = "";
    [Id(4)] public string UpdatedBy { get; set; } = "";
    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
    [Id(6)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(7)] public AccessControl AccessControl { get; set; } = AccessControl.Open;
    [Id(8)] public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>Answers to keyed writes (idempotency keys), stored with the change each answers; bounded and pruned by age.</summary>
    [Id(9)] public List<Idempotency.IdempotencyRecord> Idempotency { get; set; } = [];

    /// <summary>A copy for readers: every field but the idempotency answers, which only writes consult.</summary>
    public MemoryState WithoutIdempotency() => new()
    {
        Exists = Exists, Value = Value, Version = Version, CreatedBy = CreatedBy, UpdatedBy = UpdatedBy,
        CreatedAt = CreatedAt, UpdatedAt = UpdatedAt, AccessControl = AccessControl, ExpiresAt = ExpiresAt,
    };

    public MemoryEntry ToEntry(string key) =>
        new(key, Value, Version, CreatedBy, UpdatedBy, CreatedAt, UpdatedAt, AccessControl, ExpiresAt);
}
