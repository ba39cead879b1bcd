using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// The memory query tables: the key listing (filtered by who may read), each key's bounded version
/// history, and expiry times. Written by each key's grain in one transaction per change.
/// </summary>
public interface IMemoryIndex
{
    /// <summary>Records a write: the listing row and a history row, keeping at most <paramref name="historyVersions"/>.</summary>
    Task Upsert(MemoryEntry entry, int historyVersions);

    /// <summary>Forgets a deleted key: its listing row and its whole history.</summary>
    Task Remove(string key);

    Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor);

    Task<IReadOnlyList<MemoryVersion>> History(string key, int limit);

    Task<MemoryVersion?> Version(string key, long version);

    /// <summary>Keys whose time-to-live has run out by <paramref name="now"/>.</summary>
    Task<IReadOnlyList<string>> Expired(DateTimeOffset now, int limit);
}
