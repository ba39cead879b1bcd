using Orleans.AgentChannel.Identity;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Memory;

/// <summary>One shared-memory key: its JSON value, version and access control, enforced here.</summary>
[Alias("agentchannel.memory")]
public interface IMemoryGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the value; a stale ExpectedVersion is a conflict that changes nothing.</summary>
    [Alias("set")]
    Task<MemoryWritten> Set(Caller caller, MemoryWrite write);

    /// <summary>The entry; throws not_found, or forbidden when the caller may not read it.</summary>
    [AlwaysInterleave, Alias("get")]
    Task<MemoryEntry> Get(Caller caller);

    /// <summary>Deletes the key; needs write access. A set expectedVersion makes it conditional.</summary>
    [Alias("delete")]
    Task Delete(Caller caller, long? expectedVersion);
}

[Alias("agentchannel.memory-directory")]
public interface IMemoryDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Keys under <paramref name="prefix"/> that the caller may read, in key order.</summary>
    [Alias("list")]
    Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor);
}
