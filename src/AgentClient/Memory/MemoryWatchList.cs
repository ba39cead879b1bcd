using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Client.Memory;

/// <summary>
/// The keys and key prefixes an agent watches, as its grain last accepted them; the grain sends memory:updated
/// only for these.
/// </summary>
internal sealed class MemoryWatchList
{
    private LiveInterest _accepted = LiveInterest.InboxOnly;

    public MemoryWatches Current
    {
        get
        {
            var accepted = Volatile.Read(ref _accepted);
            return new MemoryWatches(accepted.MemoryKeys, accepted.MemoryPrefixes);
        }
    }

    public IEnumerable<MemoryWatch> All => Volatile.Read(ref _accepted).MemoryWatches;

    public LiveInterest Interest(bool presence) => Volatile.Read(ref _accepted) with { Presence = presence };

    public void Set(LiveInterest accepted) => Volatile.Write(ref _accepted, accepted);

    /// <summary>The interest with <paramref name="watch"/> added or removed, the lists in ordinal order.</summary>
    public static LiveInterest Change(LiveInterest interest, MemoryWatch watch, bool add)
    {
        var list = watch.IsPrefix ? interest.MemoryPrefixes : interest.MemoryKeys;
        var changed = (add ? list.Append(watch.Pattern) : list.Where(pattern => pattern != watch.Pattern))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return watch.IsPrefix ? interest with { MemoryPrefixes = changed } : interest with { MemoryKeys = changed };
    }
}
