namespace Orleans.AgentChannel.Client.Memory;

/// <summary>The keys and key prefixes an agent watches; memory:updated for anything else is not delivered.</summary>
internal sealed class MemoryWatchList
{
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _prefixes = new(StringComparer.Ordinal);

    public MemoryWatches Change(string value, bool isPrefix, bool watch)
    {
        lock (_keys)
        {
            var set = isPrefix ? _prefixes : _keys;
            if (watch)
            {
                set.Add(value);
            }
            else
            {
                set.Remove(value);
            }
            return Snapshot();
        }
    }

    public MemoryWatches Current
    {
        get
        {
            lock (_keys)
            {
                return Snapshot();
            }
        }
    }

    public bool Covers(string key)
    {
        lock (_keys)
        {
            return _keys.Contains(key) || _prefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    private MemoryWatches Snapshot() =>
        new([.. _keys.Order(StringComparer.Ordinal)], [.. _prefixes.Order(StringComparer.Ordinal)]);
}
