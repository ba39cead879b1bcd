using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Storage;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// The memory query tables: the key listing (filtered by who may read), each key's bounded version
/// history, and expiry times. Written by each key's grain in one transaction per change, together with the
/// key's grain state (<see cref="MemoryStateStorage"/>).
/// </summary>
public interface IMemoryIndex
{
    /// <summary>
    /// Records a write in one transaction: the key's grain state, its listing row, a history row (keeping at most
    /// <paramref name="historyVersions"/>) and the writer's memory-write count. Returns the state's new version; throws
    /// <see cref="Orleans.Storage.InconsistentStateException"/>, storing nothing, when another write got there first.
    /// </summary>
    Task<long> Save(MemoryEntry entry, int historyVersions, GrainStateWrite state);

    /// <summary>
    /// Records a deletion in one transaction: the key's grain state (its tombstone, which keeps the version) and the
    /// end of its listing row and its whole history. Returns and throws as <see cref="Save"/>.
    /// </summary>
    Task<long> Remove(string key, GrainStateWrite state);

    Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor);

    /// <summary>
    /// Full-text search over the key and current value of the keys <see cref="List"/> would give
    /// <paramref name="caller"/> (the same reader rule), skipping those expired by <paramref name="now"/>, most
    /// relevant first; the cursor is an offset this search returned.
    /// </summary>
    Task<MemorySearchPage> Search(Caller caller, SearchText text, string? prefix, int limit, string? cursor, DateTimeOffset now);

    Task<IReadOnlyList<MemoryVersion>> History(string key, int limit);

    Task<MemoryVersion?> Version(string key, long version);

    /// <summary>Keys whose time-to-live has run out by <paramref name="now"/>.</summary>
    Task<IReadOnlyList<string>> Expired(DateTimeOffset now, int limit);
}
