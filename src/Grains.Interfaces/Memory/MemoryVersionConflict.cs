using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Memory;

/// <summary>A compare-and-set that found the key at another version; nothing changed.</summary>
[GenerateSerializer, Alias("memory-version-conflict")]
public sealed record MemoryVersionConflict(
    [property: Id(0)] string Key,
    [property: Id(1)] long Expected,
    [property: Id(2)] long Current)
{
    public AgentChannelException ToException() =>
        AgentChannelException.Conflict($"Memory key '{Key}' is at version {Current}, not {Expected}.", currentVersion: Current);
}
