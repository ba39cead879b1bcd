using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Storage;

namespace Orleans.AgentChannel.Memory;

/// <summary>One shard of the memory watch index: the watches whose pattern starts with the grain's character.</summary>
public sealed class MemoryWatchIndexGrain(
    [PersistentState("memory-watches", GrainStateStorage.Name)] IPersistentState<MemoryWatchIndexState> state) : Grain, IMemoryWatchIndexGrain
{
    private Dictionary<MemoryWatch, HashSet<string>> Watches => state.State.Watchers;

    public async Task Change(string agentKey, IReadOnlyList<MemoryWatch> added, IReadOnlyList<MemoryWatch> removed)
    {
        var changed = false;
        foreach (var watch in added)
        {
            if (!Watches.TryGetValue(watch, out var agents))
            {
                Watches[watch] = agents = new HashSet<string>(StringComparer.Ordinal);
            }
            changed |= agents.Add(agentKey);
        }
        foreach (var watch in removed)
        {
            changed |= Drop(watch, agentKey);
        }
        if (changed)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task Forget(string agentKey, string key)
    {
        var covering = Watches.Where(entry => entry.Key.Covers(key) && entry.Value.Contains(agentKey)).Select(entry => entry.Key).ToList();
        foreach (var watch in covering)
        {
            Drop(watch, agentKey);
        }
        if (covering.Count > 0)
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> WatchersOf(string key)
    {
        var watchers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (watch, agents) in Watches)
        {
            if (watch.Covers(key))
            {
                watchers.UnionWith(agents);
            }
        }
        return Task.FromResult<IReadOnlyList<string>>([.. watchers]);
    }

    private bool Drop(MemoryWatch watch, string agentKey)
    {
        if (!Watches.TryGetValue(watch, out var agents) || !agents.Remove(agentKey))
        {
            return false;
        }
        if (agents.Count == 0)
        {
            Watches.Remove(watch);
        }
        return true;
    }
}
