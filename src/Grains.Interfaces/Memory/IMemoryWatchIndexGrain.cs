using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// Which agents watch which memory keys and prefixes, for the patterns starting with one character (the grain
/// key, <see cref="MemoryWatchShards.Of"/>): a memory grain asks the one shard its key falls in. Kept by the
/// agents' grains (the union of their live connections' watches) and stored, so a silo that dies takes no watch
/// with it. Not for agents to call.
/// </summary>
[Alias("agentchannel.memory-watch-index")]
public interface IMemoryWatchIndexGrain : IGrainWithStringKey
{
    /// <summary>The agent now watches <paramref name="added"/> and no longer <paramref name="removed"/>.</summary>
    [Alias("change")]
    Task Change(string agentKey, IReadOnlyList<MemoryWatch> added, IReadOnlyList<MemoryWatch> removed);

    /// <summary>The agent has no live connection watching <paramref name="key"/> any more: drops its patterns covering it.</summary>
    // One-way: called by agent grains, which the index's fan-out calls back (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("forget")]
    Task Forget(string agentKey, string key);

    /// <summary>The agents (keys) with a watch covering <paramref name="key"/>.</summary>
    [ReadOnly, Alias("watchers-of"), RetrySafe]
    Task<IReadOnlyList<string>> WatchersOf(string key);
}
