using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.Client.Memory;

/// <summary>
/// A memory key's value read as <typeparamref name="T"/>, with the version to pass back as the expected version
/// of a compare-and-set write.
/// </summary>
public sealed record MemoryValue<T>(string Key, T Value, long Version, MemoryEntry Entry);
