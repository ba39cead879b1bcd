using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// Who may read and who may write a key: agent names or "*" for everyone. In a write, a list left out
/// (null) keeps its current value (everyone, for a new key).
/// </summary>
[GenerateSerializer, Alias("access-control")]
public sealed record AccessControl(
    [property: Id(0)] IReadOnlyList<string> Read,
    [property: Id(1)] IReadOnlyList<string> Write)
{
    public const string Everyone = "*";

    public static AccessControl Open { get; } = new([Everyone], [Everyone]);

    public bool Equals(AccessControl? other) =>
        other is not null && Read.SequenceEqual(other.Read) && Write.SequenceEqual(other.Write);

    public override int GetHashCode() => HashCode.Combine(string.Join('|', Read), string.Join('|', Write));
}

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

/// <summary>One earlier (or the current) version of a key, as its history keeps it.</summary>
[GenerateSerializer, Alias("memory-version")]
public sealed record MemoryVersion(
    [property: Id(0)] string Key,
    [property: Id(1)] long Version,
    [property: Id(2)] RawJson Value,
    [property: Id(3)] string UpdatedBy,
    [property: Id(4)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Alias("memory-written")]
public sealed record MemoryWritten(
    [property: Id(0)] MemoryEntry Entry,
    [property: Id(1)] bool Created);

/// <summary>A key in a listing, without its value.</summary>
[GenerateSerializer, Alias("memory-key-summary")]
public sealed record MemoryKeySummary(
    [property: Id(0)] string Key,
    [property: Id(1)] long Version,
    [property: Id(2)] string CreatedBy,
    [property: Id(3)] string UpdatedBy,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] int SizeBytes);

[GenerateSerializer, Alias("memory-key-page")]
public sealed record MemoryKeyPage(
    [property: Id(0)] IReadOnlyList<MemoryKeySummary> Items,
    [property: Id(1)] string? NextCursor);

/// <summary>
/// A memory key found by full-text search over keys and values: ranked as <see cref="Messages.MessageHit"/>; the
/// snippet is an excerpt of the value (JSON text) around the first match, or of the key when only the key matched.
/// </summary>
[GenerateSerializer, Immutable, Alias("memory-hit")]
public sealed record MemoryHit(
    [property: Id(0)] MemoryKeySummary Entry,
    [property: Id(1)] double Rank,
    [property: Id(2)] string Snippet);

[GenerateSerializer, Immutable, Alias("memory-search-page")]
public sealed record MemorySearchPage(
    [property: Id(0)] IReadOnlyList<MemoryHit> Items,
    [property: Id(1)] string? NextCursor);

[GenerateSerializer, Alias("memory-snapshot-page")]
public sealed record MemorySnapshotPage(
    [property: Id(0)] IReadOnlyList<Events.MemoryUpdated> Items,
    [property: Id(1)] string? NextCursor);

public static class MemoryKeys
{
    public const int MaxLength = 256;

    /// <summary>Reserved: <c>GET /api/memory/{key}/history</c> addresses a key's history.</summary>
    public const string HistorySuffix = "/history";

    /// <summary>A key to address a memory grain with; its grain checks everything else about it.</summary>
    public static string Require(string? key) =>
        string.IsNullOrEmpty(key) ? throw Errors.AgentChannelException.Invalid("key", "'key' is required.") : key;
}
