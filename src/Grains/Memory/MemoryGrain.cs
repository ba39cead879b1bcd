using Orleans.AgentChannel.Agents;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Storage;

namespace Orleans.AgentChannel.Memory;

/// <summary>The single owner of a memory key; access control is enforced here, never in front doors.</summary>
public sealed class MemoryGrain(
    [PersistentState("memory", MemoryStateStorage.Name)] IPersistentState<MemoryState> state,
    IMemoryIndex index,
    IOptions<LimitsOptions> limits,
    IdempotencyLedger ledger,
    TimeProvider clock) : Grain, IMemoryGrain
{
    private const double MaxTtlSeconds = 10 * 365 * 24 * 3600;

    /// <summary>
    /// The key as last stored, without its idempotency answers: what reads answer. A write changes the memory and then
    /// stores it, and reads interleave with that write (<see cref="IMemoryGrain"/>), so a read of the memory could
    /// show a value that the write then refuses.
    /// </summary>
    private MemoryState _stored = new();

    private MemoryState Current => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stored = Current.WithoutIdempotency();
        return Task.CompletedTask;
    }

    private string Key => this.GetPrimaryKeyString();

    [Obsolete("Use TrySet; kept for clients of the previous release.")]
    public async Task<MemoryWritten> Set(Caller caller, MemoryWrite write, IdempotencyKey? idempotencyKey = null) =>
        (await TrySet(caller, write, idempotencyKey)).OrThrow();

    public async Task<MemorySetResult> TrySet(Caller caller, MemoryWrite write, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "memory:set", write);
        if (ledger.TryReplay<MemoryWritten>(Current.Idempotency, keyed, out var replayed))
        {
            // Kept without its value (the request carried it, and the same request the same value): a bounded number of
            // answers must not mean that many copies of a large value in the state.
            return new MemorySetResult(replayed with { Entry = replayed.Entry with { Value = write.Value!.Value } }, Conflict: null);
        }
        RequireValidKey(Key);
        var value = write.Value is { } written
            ? Validation.LimitJson(written, "value", limits.Value.MaxMemoryValueBytes)
            : throw AgentChannelException.Invalid("value", "'value' is required (any JSON value but null).");
        if (write.TtlSeconds is <= 0 or > MaxTtlSeconds || write.TtlSeconds is double.NaN)
        {
            throw AgentChannelException.Invalid("ttl_seconds", $"'ttl_seconds' must be more than 0 and at most {MaxTtlSeconds}.");
        }
        if (IsExpired(Current))
        {
            await RemoveExpired();
        }
        var created = !Current.Exists;
        var accessControl = write.AccessControl is null
            ? null
            : ValidAccessControl(write.AccessControl, created ? AccessControl.Open : Current.AccessControl);
        if (!created)
        {
            if (!CanWrite(caller))
            {
                throw AgentChannelException.Forbidden($"'{caller.Name}' may not write memory key '{Key}'.");
            }
            if (accessControl is not null && accessControl != Current.AccessControl && !IsOwner(caller))
            {
                throw AgentChannelException.Forbidden($"Only the creator of '{Key}' or the operator may change its access control.");
            }
        }
        if (VersionConflict(write.ExpectedVersion) is { } conflict)
        {
            return new MemorySetResult(Written: null, conflict);
        }

        var now = clock.GetUtcNow();
        if (created)
        {
            Current.Exists = true;
            Current.CreatedBy = caller.Name;
            Current.CreatedAt = now;
            Current.AccessControl = accessControl ?? AccessControl.Open;
        }
        else if (accessControl is not null)
        {
            Current.AccessControl = accessControl;
        }
        Current.Value = value;
        Current.Version++;
        Current.UpdatedBy = caller.Name;
        Current.UpdatedAt = now;
        Current.ExpiresAt = write.TtlSeconds is { } ttl ? now.AddSeconds(ttl) : null;
        var entry = Current.ToEntry(Key);
        ledger.Record(Current.Idempotency, keyed, new MemoryWritten(entry with { Value = RawJson.Null }, created));
        await SaveAsync();
        await Announce(Update(Current), caller => CanRead(caller, Current));
        return new MemorySetResult(new MemoryWritten(entry, created), Conflict: null);
    }

    public Task<MemoryEntry> Get(Caller caller)
    {
        var stored = RequireReadable(caller);
        return Task.FromResult(stored.ToEntry(Key));
    }

    public Task<MemoryUpdated?> Snapshot(Caller caller)
    {
        var stored = _stored;
        return Task.FromResult(stored.Version == 0 || (stored.Exists && !IsExpired(stored) && !CanRead(caller, stored))
            ? null
            : Update(stored, snapshot: true));
    }

    public async Task Delete(Caller caller, long? expectedVersion, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "memory:delete", expectedVersion);
        if (ledger.TryReplay<object?>(Current.Idempotency, keyed, out _))
        {
            return;
        }
        RequireExists(Current);
        if (!CanWrite(caller))
        {
            throw AgentChannelException.Forbidden($"'{caller.Name}' may not delete memory key '{Key}'.");
        }
        if (VersionConflict(expectedVersion) is { } conflict)
        {
            throw conflict.ToException();
        }
        await Remove(caller.Name, expired: false, keyed);
    }

    public async Task<IReadOnlyList<MemoryVersion>> History(Caller caller, int limit)
    {
        RequireReadable(caller);
        return await index.History(Key, Validation.Limit(limit, limits.Value.MemoryHistoryVersions));
    }

    public async Task<MemoryVersion> GetVersion(Caller caller, long version)
    {
        RequireReadable(caller);
        return await index.Version(Key, version)
               ?? throw AgentChannelException.NotFound($"Memory key '{Key}' has no version {version} in its history.");
    }

    public async Task Expire()
    {
        if (IsExpired(Current))
        {
            await RemoveExpired();
        }
    }

    private bool IsExpired(MemoryState key) => key.Exists && key.ExpiresAt is { } expiresAt && expiresAt <= clock.GetUtcNow();

    private Task RemoveExpired() => Remove(Current.UpdatedBy, expired: true);

    /// <summary>Deletion keeps a tombstone (the version) and drops the value, the listing row and the history (one transaction).</summary>
    private async Task Remove(string by, bool expired, KeyedWrite? keyed = null)
    {
        // Whoever could read the key until now hears that it is gone.
        var (creator, access) = (Current.CreatedBy, Current.AccessControl);
        Current.Exists = false;
        Current.Value = RawJson.Null;
        Current.Version++;
        Current.UpdatedBy = by;
        Current.UpdatedAt = clock.GetUtcNow();
        Current.AccessControl = AccessControl.Open;
        Current.ExpiresAt = null;
        ledger.Record(Current.Idempotency, keyed, null);
        await SaveAsync();
        await Announce(Update(Current, expired: expired), caller => MayRead(caller, creator, access));
    }

    private async Task SaveAsync()
    {
        await state.WriteOrRestore(DeactivateOnIdle);
        _stored = Current.WithoutIdempotency();
    }

    /// <summary>The key as it stands in <paramref name="key"/>, as memory:updated shows it.</summary>
    private MemoryUpdated Update(MemoryState key, bool expired = false, bool snapshot = false)
    {
        var deleted = !key.Exists;
        var omitted = !deleted && key.Value.ByteCount > limits.Value.MaxMemoryEventValueBytes;
        return new MemoryUpdated(Key, key.Version, key.UpdatedBy, key.UpdatedAt,
            deleted || omitted ? null : key.Value, deleted, omitted, expired, snapshot);
    }

    /// <summary>
    /// memory:updated to the agents watching the key that may read it (asked of the watch index shard the key
    /// falls in), through their own grains; then on the activity stream for the operator's side. An agent that
    /// may not read the key is never sent its value, not even to its own process.
    /// </summary>
    private async Task Announce(MemoryUpdated update, Func<Caller, bool> mayRead)
    {
        var data = RawJson.Serialize(update, AgentChannelJson.Options);
        var watchers = await GrainFactory.GetGrain<IMemoryWatchIndexGrain>(MemoryWatchShards.Of(Key)).WatchersOf(Key);
        var item = new AgentEvent(EventNames.MemoryUpdated, null, data, new EventAudience(Key));
        foreach (var watcher in watchers.Where(watcher => mayRead(Caller.Agent(watcher))))
        {
            _ = GrainFactory.GetGrain<IAgentGrain>(watcher).Notify([item]);
        }
        await this.PublishActivity(Key, EventNames.MemoryUpdated, update);
    }

    private MemoryVersionConflict? VersionConflict(long? expected)
    {
        // expected_version 0 means "only if the key does not exist yet"; no key is ever at a version below it.
        if (expected < 0)
        {
            throw AgentChannelException.Invalid("expected_version", "'expected_version' must be 0 or more.");
        }
        var current = Current.Exists ? Current.Version : 0;
        return expected is { } version && version != current ? new MemoryVersionConflict(Key, version, current) : null;
    }

    private bool IsOwner(Caller caller) => caller.IsOperator || caller.Is(Current.CreatedBy);

    private static bool CanRead(Caller caller, MemoryState key) => MayRead(caller, key.CreatedBy, key.AccessControl);

    private static bool MayRead(Caller caller, string creator, AccessControl access) =>
        caller.IsOperator || caller.Is(creator) || Grants(access.Read, caller);

    private bool CanWrite(Caller caller) => IsOwner(caller) || Grants(Current.AccessControl.Write, caller);

    private static bool Grants(IReadOnlyList<string> names, Caller caller) =>
        names.Any(name => name == AccessControl.Everyone || caller.Is(name));

    /// <summary>An expired key is gone for readers even before the sweep deletes it.</summary>
    private void RequireExists(MemoryState key)
    {
        RequireValidKey(Key);
        if (!key.Exists || IsExpired(key))
        {
            throw AgentChannelException.NotFound($"No memory key '{Key}'.");
        }
    }

    /// <summary>The key as stored, when it exists and <paramref name="caller"/> may read it.</summary>
    private MemoryState RequireReadable(Caller caller)
    {
        var stored = _stored;
        RequireExists(stored);
        return CanRead(caller, stored)
            ? stored
            : throw AgentChannelException.Forbidden($"'{caller.Name}' may not read memory key '{Key}'.");
    }

    /// <summary>
    /// Names are checked and put in one canonical form (lower-case, sorted, no repeats), so re-sending the
    /// same lists in another order or case is no change. A list left out keeps its current value.
    /// </summary>
    private static AccessControl ValidAccessControl(AccessControl requested, AccessControl current)
    {
        static IReadOnlyList<string> Names(IReadOnlyList<string>? names, IReadOnlyList<string> fallback, string field) =>
            names is null
                ? fallback
                : names.Select(name => name == AccessControl.Everyone ? name : AgentNames.Key(AgentNames.Require(name, field)))
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        return new AccessControl(
            Names(requested.Read, current.Read, "access_control.read"),
            Names(requested.Write, current.Write, "access_control.write"));
    }

    // Keys are URL paths on the REST API: '.', '..' and empty segments would be rewritten on the way and
    // leave the key unreachable, so they are refused.
    internal static bool IsValidKey(string key) =>
        key.Length is > 0 and <= MemoryKeys.MaxLength && !key.Any(char.IsControl) && key.Trim() == key
        && !key.EndsWith(MemoryKeys.HistorySuffix, StringComparison.Ordinal)
        && !key.Split('/').Any(segment => segment is "" or "." or "..");

    internal static void RequireValidKey(string key)
    {
        if (!IsValidKey(key))
        {
            throw AgentChannelException.Invalid("key",
                $"'key' must be 1-{MemoryKeys.MaxLength} characters without control characters or surrounding spaces, " +
                $"with '/'-separated segments that are neither empty nor '.' or '..', and must not end in '{MemoryKeys.HistorySuffix}'.");
        }
    }
}
