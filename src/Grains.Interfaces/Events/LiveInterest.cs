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

/// <summary>
/// The agent's grain answering <c>Connected</c>. <see cref="WasConnected"/> false on a renewal means the grain
/// had lost the connection (it was re-activated after a silo died, or timed the connection out): live events
/// may have been missed meanwhile, so the connection sends snapshots of what it watches.
/// </summary>
[GenerateSerializer, Immutable, Alias("agent-connected")]
public sealed record AgentConnected(
    [property: Id(0)] Agents.AgentInfo Agent,
    [property: Id(1)] bool WasConnected);

/// <summary>A memory key or key prefix that an agent watches.</summary>
[GenerateSerializer, Immutable, Alias("memory-watch")]
public sealed record MemoryWatch(
    [property: Id(0)] string Pattern,
    [property: Id(1)] bool IsPrefix)
{
    public bool Covers(string key) => IsPrefix ? key.StartsWith(Pattern, StringComparison.Ordinal) : key == Pattern;
}
