using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Memory;

[Alias("agentchannel.memory-directory")]
public interface IMemoryDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Keys under <paramref name="prefix"/> that the caller may read, in key order.</summary>
    [Alias("list"), RetrySafe]
    Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor);

    /// <summary>
    /// Full-text search over the keys and JSON values of the live keys (not deleted, not expired) under
    /// <paramref name="prefix"/> that the caller may read, most relevant first; words as for
    /// <see cref="Messages.IMessagesGrain.Search"/>.
    /// </summary>
    [Alias("search"), RetrySafe]
    Task<MemorySearchPage> Search(Caller caller, string text, string? prefix, int limit, string? cursor);

    /// <summary>
    /// What a watch covers as it stands now, as memory:updated with <c>snapshot</c> set: for a key its state (a
    /// tombstone if deleted), for a prefix every key under it that <paramref name="caller"/> may read, a page at a time.
    /// </summary>
    [Alias("snapshot"), RetrySafe]
    Task<MemorySnapshotPage> Snapshot(Caller caller, MemoryWatch watch, string? cursor);
}
