namespace Orleans.AgentChannel.Events;

/// <summary>
/// What one live connection wants besides its inbox: presence changes of other agents, and memory:updated for
/// these keys and every key under these prefixes. Sent with every <c>Connected</c> call, so the agent's grain
/// always holds the connection's current wishes, also after it was re-activated elsewhere.
/// </summary>
[GenerateSerializer, Immutable, Alias("live-interest")]
public sealed record LiveInterest(
    [property: Id(0)] bool Presence,
    [property: Id(1)] IReadOnlyList<string> MemoryKeys,
    [property: Id(2)] IReadOnlyList<string> MemoryPrefixes)
{
    /// <summary>The inbox only (SSE, long poll, A2A watches).</summary>
    public static LiveInterest InboxOnly { get; } = new(false, [], []);

    public bool WatchesMemory(string key) =>
        MemoryKeys.Contains(key, StringComparer.Ordinal) || MemoryPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>The keys and prefixes watched, as watches.</summary>
    public IEnumerable<MemoryWatch> MemoryWatches =>
        MemoryKeys.Select(key => new MemoryWatch(key, IsPrefix: false)).Concat(MemoryPrefixes.Select(prefix => new MemoryWatch(prefix, IsPrefix: true)));
}
