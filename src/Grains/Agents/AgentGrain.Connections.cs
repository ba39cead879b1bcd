using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// Live connections: registering and renewing them, the live events each asked for, the memory watches they put in
/// the watch index, and ending them when the token stops.
/// </summary>
public sealed partial class AgentGrain
{
    /// <summary>
    /// Tells every live connection (but <paramref name="keep"/>) that its token stopped and forgets it; each front end
    /// closes its socket or stream. One-way: a front end that misses it finds out at its next renewal, which re-checks
    /// the token.
    /// </summary>
    private void EndConnections(string code, string reason, string? keep = null)
    {
        var ended = _connections.Where(connection => connection.Key != keep).ToList();
        foreach (var (connectionId, connection) in ended)
        {
            _connections.Remove(connectionId);
            _ = connection.Observer.Revoked(code, reason);
        }
        if (ended.Count > 0)
        {
            // In the background: the token has stopped already; what the connections watched can follow.
            _ = IndexInterest();
        }
    }

    public Task Notify(IReadOnlyList<AgentEvent> items)
    {
        foreach (var (connectionId, connection) in _connections)
        {
            var wanted = items.Where(item => Wants(connection.Interest, item)).Select(item => item with { Audience = null }).ToList();
            if (wanted.Count > 0)
            {
                _ = connection.Observer.Live(wanted);
            }
        }
        ForgetUnwatchedMemory(items);
        return Task.CompletedTask;
    }

    private bool Wants(LiveInterest interest, AgentEvent item) => item.Event switch
    {
        EventNames.AgentJoined or EventNames.AgentLeft =>
            interest.Presence && item.Audience is { } about && !AgentNames.Equal(about.Subject, Agent.Name),
        EventNames.MemoryUpdated => item.Audience is { } key && interest.WatchesMemory(key.Subject),
        _ => false,
    };

    /// <summary>
    /// A memory change no connection watches comes from a watch left in the index by connections that are gone
    /// with their gateway or grain: it is dropped, once the connections still open have had a renewal to say
    /// what they watch.
    /// </summary>
    private void ForgetUnwatchedMemory(IReadOnlyList<AgentEvent> items)
    {
        if (clock.GetUtcNow() - _activatedAt < presence.Value.OfflineAfter)
        {
            return;
        }
        foreach (var item in items)
        {
            if (item.Event == EventNames.MemoryUpdated && item.Audience is { Subject: var key }
                && !_connections.Values.Any(connection => connection.Interest.WatchesMemory(key)))
            {
                _ = GrainFactory.GetGrain<IMemoryWatchIndexGrain>(MemoryWatchShards.Of(key)).Forget(Key, key);
            }
        }
    }

    public async Task<AgentConnected> Connected(string connectionId, IInboxObserver observer, LiveInterest interest)
    {
        RequireActive();
        RequireValidInterest(interest);
        var now = clock.GetUtcNow();
        var wasConnected = _connections.ContainsKey(connectionId);
        _connections[connectionId] = new LiveConnection(observer, now, interest);
        await IndexInterest();
        Agent.LastSeen = now;
        await ChangeStatus(Agent.Status == AgentStatus.Offline ? AgentStatus.Online : Agent.Status);
        await KeepTasks();
        return new AgentConnected(Agent.ToInfo(), wasConnected);
    }

    public async Task Disconnected(string connectionId)
    {
        if (_connections.Remove(connectionId))
        {
            // The offline timeout counts from the moment the last connection went away.
            Agent.LastSeen = clock.GetUtcNow();
            await IndexInterest();
        }
    }

    /// <summary>
    /// Puts what the live connections want where the owners of the changes look: memory watches in the watch
    /// index (stored, awaited, so a watch is in force once <see cref="Connected"/> returns), presence with the
    /// presence grain (said again at every renewal, since that grain keeps its listeners in memory only).
    /// </summary>
    private async Task IndexInterest()
    {
        var watches = _connections.Values
            .SelectMany(connection => connection.Interest.MemoryKeys.Select(key => new MemoryWatch(key, IsPrefix: false))
                .Concat(connection.Interest.MemoryPrefixes.Select(prefix => new MemoryWatch(prefix, IsPrefix: true))))
            .ToHashSet();
        var added = watches.Except(_indexedWatches).ToList();
        var removed = _indexedWatches.Except(watches).ToList();
        if (added.Count > 0 || removed.Count > 0)
        {
            await Task.WhenAll(added.Select(watch => (watch, added: true)).Concat(removed.Select(watch => (watch, added: false)))
                .GroupBy(change => MemoryWatchShards.Of(change.watch.Pattern))
                .Select(shard => GrainFactory.GetGrain<IMemoryWatchIndexGrain>(shard.Key).Change(Key,
                    [.. shard.Where(change => change.added).Select(change => change.watch)],
                    [.. shard.Where(change => !change.added).Select(change => change.watch)])));
            _indexedWatches.Clear();
            _indexedWatches.UnionWith(watches);
        }
        var listening = _connections.Values.Any(connection => connection.Interest.Presence);
        if (listening || _listeningToPresence)
        {
            _ = GrainFactory.GetGrain<IPresenceGrain>(0).Listen(Key, listening);
            _listeningToPresence = listening;
        }
    }

    private static void RequireValidInterest(LiveInterest interest)
    {
        if (interest.MemoryKeys.Count + interest.MemoryPrefixes.Count > MaxWatchesPerConnection)
        {
            throw AgentChannelException.TooLarge("key", $"A connection watches at most {MaxWatchesPerConnection} memory keys and prefixes.");
        }
        foreach (var pattern in interest.MemoryKeys.Concat(interest.MemoryPrefixes))
        {
            if (pattern.Length is 0 or > MemoryKeys.MaxLength || pattern.Any(char.IsControl))
            {
                throw AgentChannelException.Invalid("key", $"A watched key or prefix has 1-{MemoryKeys.MaxLength} characters and no control characters.");
            }
        }
    }
}
