using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Memory;

/// <summary>One shared-memory key: its JSON value, version and access control, enforced here.</summary>
[Alias("agentchannel.memory")]
public interface IMemoryGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates or replaces the value; a stale ExpectedVersion is a conflict that changes nothing, answered in the result
    /// (every other refusal is thrown).
    /// </summary>
    [Alias("try-set")]
    Task<MemorySetResult> TrySet(Caller caller, MemoryWrite write, IdempotencyKey? idempotencyKey = null);

    /// <summary>As <see cref="TrySet"/>, with a conflict thrown.</summary>
    // Kept, with its alias and answer, for gateways and C# clients of the previous release during a rolling upgrade:
    // a changed answer type under the same alias would fail to deserialize there.
    [Obsolete("Use TrySet; kept for clients of the previous release.")]
    [Alias("set")]
    Task<MemoryWritten> Set(Caller caller, MemoryWrite write, IdempotencyKey? idempotencyKey = null);

    /// <summary>The entry; throws not_found, or forbidden when the caller may not read it.</summary>
    [AlwaysInterleave, Alias("get"), RetrySafe]
    Task<MemoryEntry> Get(Caller caller);

    /// <summary>
    /// The key as it stands, as memory:updated shows it with <c>snapshot</c> set (a deleted key: its tombstone);
    /// null when the key never existed or <paramref name="caller"/> may not read it. For a watch that starts or
    /// resumes: whatever changed meanwhile shows here.
    /// </summary>
    [AlwaysInterleave, Alias("snapshot"), RetrySafe]
    Task<MemoryUpdated?> Snapshot(Caller caller);

    /// <summary>Deletes the key and its history; needs write access. A set expectedVersion makes it conditional.</summary>
    [Alias("delete")]
    Task Delete(Caller caller, long? expectedVersion, IdempotencyKey? idempotencyKey = null);

    /// <summary>Earlier versions, newest first, as many as the history bound keeps.</summary>
    [AlwaysInterleave, Alias("history"), RetrySafe]
    Task<IReadOnlyList<MemoryVersion>> History(Caller caller, int limit);

    /// <summary>One version of the value; throws not_found when history no longer has it.</summary>
    [AlwaysInterleave, Alias("get-version"), RetrySafe]
    Task<MemoryVersion> GetVersion(Caller caller, long version);

    /// <summary>Deletes the key if its time-to-live has run out (called by the expiry sweep).</summary>
    [Alias("expire")]
    Task Expire();
}
