namespace Orleans.AgentChannel.Client.Memory;

/// <summary>What an agent watches now: memory:updated arrives for these keys and every key under these prefixes.</summary>
public sealed record MemoryWatches(IReadOnlyList<string> Keys, IReadOnlyList<string> Prefixes);
