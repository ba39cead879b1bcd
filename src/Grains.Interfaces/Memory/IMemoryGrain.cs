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

    /// <summary>Deletes the key and its history; needs write access. A set expectedVersion makes it conditional.</summary>
    [Alias("delete")]
    Task Delete(Caller caller, long? expectedVersion);

    /// <summary>Earlier versions, newest first, as many as the history bound keeps.</summary>
    [AlwaysInterleave, Alias("history")]
    Task<IReadOnlyList<MemoryVersion>> History(Caller caller, int limit);

    /// <summary>One version of the value; throws not_found when history no longer has it.</summary>
    [AlwaysInterleave, Alias("get-version")]
    Task<MemoryVersion> GetVersion(Caller caller, long version);

    /// <summary>Deletes the key if its time-to-live has run out (called by the expiry sweep).</summary>
    [Alias("expire")]
    Task Expire();
}

[Alias("agentchannel.memory-directory")]
public interface IMemoryDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Keys under <paramref name="prefix"/> that the caller may read, in key order.</summary>
    [Alias("list")]
    Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor);
}
