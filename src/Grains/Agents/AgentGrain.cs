using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Tasks;
using Orleans.Runtime;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// The single owner of an agent: profile, token hash, presence, and its durable inbox's numbering. Inbox
/// items are numbered and stored here one batch at a time, so an agent's sequence is committed in order.
/// </summary>
public sealed class AgentGrain(
    [PersistentState("agent", AgentStateStorage.Name)] IPersistentState<AgentState> state,
    IInbox inbox,
    ITaskIndex tasks,
    IOptions<LimitsOptions> limits,
    IOptions<PresenceOptions> presence,
    IOptions<TaskOptions> taskOptions,
    IOptions<RecoveryOptions> recovery,
    TimeProvider clock,
    ILogger<AgentGrain> logger) : Grain, IAgentGrain, IRemindable
{
    private const int MaxTypeChars = 64;
    internal const int MaxCapabilityChars = 64;
    private const int MaxInboxPage = 1000;
    private const int MaxWatchesPerConnection = 1000;

    /// <summary>Live connections (by gateway connection id): where to push, and when their gateway last renewed them.</summary>
    private readonly Dictionary<string, LiveConnection> _connections = new(StringComparer.Ordinal);
    private long _inboxSeq;

    /// <summary>Tasks occupying the agent's slots; rebuilt from the tasks table when the grain activates.</summary>
    private readonly HashSet<Guid> _heldTasks = [];
    private IGrainTimer? _presenceTimer;
    private Backstop? _backstop;
    private DateTimeOffset _lastSeenStored;

    /// <summary>The memory watches this grain has put in the watch index: the union of its connections' watches.</summary>
    private readonly HashSet<MemoryWatch> _indexedWatches = [];
    private bool _listeningToPresence;
    private DateTimeOffset _activatedAt;

    private AgentState Agent => state.State;

    private string Key => this.GetPrimaryKeyString();

    /// <summary>Held while the agent is present: its presence timeout outlives a dead silo or a restart.</summary>
    private Backstop Backstop => _backstop ??= new Backstop(this, "presence", recovery.Value.ReminderPeriod,
        () => Agent.IsRegistered && Agent.Status != AgentStatus.Offline, logger);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activatedAt = clock.GetUtcNow();
        if (!Agent.IsRegistered)
        {
            Backstop.AssumeAbsent();
            return;
        }
        _inboxSeq = await inbox.LastSequence(Key);
        _heldTasks.UnionWith(await tasks.HeldBy(Key));
        _lastSeenStored = Agent.LastSeen;
        if (Agent.Status != AgentStatus.Offline)
        {
            // Activated (by its reminder, a call, or a connection coming back) while marked present: keep checking
            // until it shows up or times out.
            Backstop.Sync();
            WatchPresence();
        }
    }

    /// <summary>
    /// The backstop's tick: the activation has armed the presence check (an agent that does not come back goes offline a
    /// timeout later and its tasks go back to the queue); an agent that is offline lets its reminder go.
    /// </summary>
    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Backstop.Sync();
        return Task.CompletedTask;
    }

    public async Task<AgentRegistered> Register(AgentRegistration registration, string? presentedToken)
    {
        var profile = ValidProfile(registration);
        if (Agent.RetiredAt is not null)
        {
            throw AgentChannelException.Gone($"The agent '{Agent.Name}' was retired; only the operator can register its name again.");
        }

        var now = clock.GetUtcNow();
        string? token = null;
        if (Agent.IsRegistered)
        {
            if (Agent.TokenRevoked)
            {
                throw AgentChannelException.Conflict($"The token of '{Agent.Name}' was revoked; only the operator can register it again.");
            }
            if (presentedToken is null || !AgentTokens.Matches(presentedToken, Agent.TokenHash!))
            {
                throw AgentChannelException.Conflict($"An agent named '{Agent.Name}' is already registered; re-registering needs its token.");
            }
        }
        else
        {
            token = IssueToken(profile.Name, now);
        }
        profile.ApplyTo(Agent);
        Agent.LastSeen = now;
        await ChangeStatus(Agent.Status == AgentStatus.Busy ? AgentStatus.Busy : AgentStatus.Online, forceSave: true);
        return new AgentRegistered(Agent.ToInfo(), token, Created: token is not null);
    }

    public async Task<AgentRegistered> RegisterByOperator(Caller caller, AgentRegistration registration)
    {
        if (!caller.IsOperator)
        {
            throw AgentChannelException.Forbidden("Only the operator registers an agent without its token.");
        }
        var profile = ValidProfile(registration);
        var now = clock.GetUtcNow();
        var created = !Agent.IsRegistered;
        var token = IssueToken(profile.Name, now);
        Agent.TokenRevoked = false;
        Agent.RetiredAt = null;
        profile.ApplyTo(Agent);
        // As any registration: present now, offline after OfflineAfter unless it connects.
        Agent.LastSeen = now;
        await ChangeStatus(Agent.Status == AgentStatus.Busy ? AgentStatus.Busy : AgentStatus.Online, forceSave: true);
        EndConnections(SessionEndings.Revoked, "the operator registered the agent again with a new token");
        return new AgentRegistered(Agent.ToInfo(), token, created);
    }

    public async Task<AgentRegistered> RotateToken(Caller caller, string? keepConnectionId)
    {
        RequireActive();
        if (!caller.Is(Agent.Name))
        {
            throw AgentChannelException.Forbidden("Only the agent itself rotates its token (the operator revokes it, or registers the agent again).");
        }
        if (Agent.TokenRevoked)
        {
            throw AgentChannelException.Unauthorized("The token was revoked.");
        }
        var token = AgentTokens.Create(Agent.Name);
        Agent.TokenHash = AgentTokens.Hash(token);
        await state.WriteOrRestore(DeactivateOnIdle);
        EndConnections(SessionEndings.Rotated, "the agent rotated its token; connect again with the new one", keepConnectionId);
        return new AgentRegistered(Agent.ToInfo(), token, Created: false);
    }

    public async Task RevokeToken(Caller caller)
    {
        RequireActive();
        if (!caller.IsOperator)
        {
            throw AgentChannelException.Forbidden("Only the operator revokes an agent's token (the agent itself rotates it).");
        }
        if (Agent.TokenRevoked)
        {
            return;
        }
        Agent.TokenRevoked = true;
        // Offline at once: nobody can act as it any more, so its tasks go back to the queue now, not after a timeout.
        await ChangeStatus(AgentStatus.Offline, forceSave: true);
        EndConnections(SessionEndings.Revoked, "the operator revoked the token");
    }

    public async Task Retire(Caller caller)
    {
        RequireRegistered();
        if (!caller.IsOperator && !caller.Is(Agent.Name))
        {
            throw AgentChannelException.Forbidden("Only the agent itself or the operator may retire it.");
        }
        if (Agent.RetiredAt is not null)
        {
            return;
        }
        var wasOffline = Agent.Status == AgentStatus.Offline;
        Agent.RetiredAt = clock.GetUtcNow();
        Agent.TokenRevoked = true;
        // One write: the state and the agents row (marked retired, so listings and assignment leave it out).
        await ChangeStatus(AgentStatus.Offline, forceSave: true);
        EndConnections(SessionEndings.Retired, "the agent was retired");
        await this.PublishActivity(Key, EventNames.AgentRetired, Agent.ToInfo());
        if (wasOffline)
        {
            // Going offline released them already when it was online; an offline agent can still hold forced assignments.
            foreach (var taskId in _heldTasks.ToList())
            {
                await GrainFactory.GetGrain<ITaskGrain>(taskId).Release(Agent.Name, "the agent was retired");
            }
        }
    }

    public async Task<bool> RetireIfOfflineSince(DateTimeOffset seenBefore)
    {
        // Asked again here: the agent may have come back since the sweep read the table.
        if (!Agent.IsActive || Agent.Status != AgentStatus.Offline || _connections.Count > 0 || Agent.LastSeen >= seenBefore)
        {
            return false;
        }
        await Retire(Caller.Operator);
        return true;
    }

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

    private string IssueToken(string name, DateTimeOffset now)
    {
        var token = AgentTokens.Create(name);
        if (!Agent.IsRegistered)
        {
            Agent.Id = Guid.CreateVersion7(now);
            Agent.Name = name;
            Agent.CreatedAt = now;
        }
        Agent.TokenHash = AgentTokens.Hash(token);
        return token;
    }

    private ValidatedProfile ValidProfile(AgentRegistration registration)
    {
        var name = AgentNames.Require(registration.Name, "name");
        if (!AgentNames.Equal(name, Key))
        {
            throw AgentChannelException.Invalid("name", "'name' does not match the agent being registered.");
        }
        if (AgentNames.Equal(name, Caller.OperatorName))
        {
            throw AgentChannelException.Conflict($"The name '{Caller.OperatorName}' is reserved.");
        }
        var type = Validation.RequireText(registration.Type, "type", MaxTypeChars);
        var capabilities = ValidCapabilities(registration.Capabilities);
        var metadata = Validation.ObjectOrEmpty(registration.Metadata, "metadata", limits.Value.MaxMetadataBytes);
        return new ValidatedProfile(name, type, capabilities, metadata);
    }

    private sealed record ValidatedProfile(string Name, string Type, List<string> Capabilities, Json.RawJson Metadata)
    {
        public void ApplyTo(AgentState agent)
        {
            agent.Type = Type;
            agent.Capabilities = Capabilities;
            agent.Metadata = Metadata;
        }
    }

    public Task<AgentInfo?> Get() => Task.FromResult(Agent.IsActive ? Agent.ToInfo() : null);

    public Task<bool> IsRetired() => Task.FromResult(Agent.IsRegistered && Agent.RetiredAt is not null);

    public Task<AgentInfo?> Authenticate(string token) => Task.FromResult(
        Agent.IsActive && !Agent.TokenRevoked && AgentTokens.Matches(token, Agent.TokenHash!) ? Agent.ToInfo() : null);

    public async Task<AgentInfo> SetStatus(Caller caller, AgentStatus status)
    {
        RequireActive();
        if (!caller.IsOperator && !caller.Is(Agent.Name))
        {
            throw AgentChannelException.Forbidden("Only the agent itself or the operator may change its status.");
        }
        if (!Enum.IsDefined(status))
        {
            throw AgentChannelException.Invalid("status", "'status' must be online, busy or offline.");
        }
        if (caller.Is(Agent.Name))
        {
            Agent.LastSeen = clock.GetUtcNow();
        }
        await ChangeStatus(status, forceSave: true);
        return Agent.ToInfo();
    }

    public async Task Deliver(IReadOnlyList<InboxItem> items)
    {
        RequireRegistered();
        if (items.Count == 0)
        {
            return;
        }
        using var span = AgentChannelTracing.Grains.StartActivity("inbox deliver");
        span?.SetTag(AgentChannelTracing.AgentTag, Key).SetTag(AgentChannelTracing.CountTag, items.Count)
            .SetTag(AgentChannelTracing.SiloTag, RuntimeIdentity);
        var numbered = Numbered(items);
        try
        {
            await inbox.Append(Key, numbered);
        }
        catch (Exception refused) when (items.Any(item => item.DeliveryKey is not null || item.MessageLogSequence is not null))
        {
            // Possibly a repeated delivery (a task's notice retried after a failure or a restart, a message's
            // redelivery crossing an earlier attempt): the inbox holds each once, so only what it lacks goes in. Looked
            // up only now, when the append was refused, so a first delivery costs no read.
            var missing = await NotStoredYet(items);
            if (missing.Count == items.Count)
            {
                ExceptionDispatchInfo.Throw(refused); // nothing was there already: the append failed for its own reason
            }
            if (missing.Count == 0)
            {
                return;
            }
            items = missing;
            numbered = Numbered(items);
            await inbox.Append(Key, numbered);
        }
        _inboxSeq += numbered.Count;

        // The inbox above is the guarantee; the push only makes delivery immediate. It is one-way (a slow or
        // gone receiver never holds up the sender); receivers drop what they already sent and fetch any gap
        // from the inbox. A grain observer, not a stream: one call instead of a queue, a poll and a pub-sub hop
        // (docs/measurements.md: 10-100x less push latency; bench/README.md has what it did end to end).
        var traceParent = span?.Id;
        span?.SetTag(AgentChannelTracing.SeqTag, _inboxSeq).SetTag(AgentChannelTracing.ConnectionsTag, _connections.Count);
        if (_connections.Count == 0)
        {
            return;
        }
        var stored = numbered.Select(entry => new AgentEvent(entry.Item.Event, entry.Seq, entry.Item.Data, TraceParent: traceParent)).ToList();
        foreach (var connection in _connections.Values)
        {
            _ = connection.Observer.Stored(stored);
        }
    }

    /// <summary>The items this inbox does not hold yet: keyed ones not stored under their key, messages still owed to it.</summary>
    private async Task<IReadOnlyList<InboxItem>> NotStoredYet(IReadOnlyList<InboxItem> items)
    {
        var keys = items.Select(item => item.DeliveryKey).OfType<string>().ToList();
        var delivered = keys.Count == 0 ? new HashSet<string>() : await inbox.Delivered(Key, keys);
        var messages = items.Select(item => item.MessageLogSequence).OfType<long>().ToList();
        var owed = messages.Count == 0 ? new HashSet<long>() : await inbox.StillOwed(Key, messages);
        return [.. items.Where(item =>
            (item.DeliveryKey is null || !delivered.Contains(item.DeliveryKey)) &&
            (item.MessageLogSequence is not { } messageSeq || owed.Contains(messageSeq)))];
    }

    private List<(long Seq, InboxItem Item)> Numbered(IReadOnlyList<InboxItem> items) =>
        items.Select((item, index) => (Seq: _inboxSeq + index + 1, Item: item)).ToList();

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

    public Task<bool> ReserveSlot(Guid taskId, bool force)
    {
        RequireRegistered();
        if (Agent.RetiredAt is not null)
        {
            return Task.FromResult(false);
        }
        if (_heldTasks.Contains(taskId) || force || AssignmentPolicy.HasFreeSlot(_heldTasks.Count, taskOptions.Value.MaxActivePerAgent))
        {
            _heldTasks.Add(taskId);
            return Task.FromResult(true);
        }
        return Task.FromResult(false);
    }

    public Task ReleaseSlot(Guid taskId)
    {
        _heldTasks.Remove(taskId);
        return Task.CompletedTask;
    }

    public Task<InboxPage> ReadInbox(long afterSeq, int limit)
    {
        RequireRegistered();
        return inbox.Read(Key, Math.Max(0, afterSeq), Math.Clamp(limit, 1, MaxInboxPage));
    }

    public async Task<InboxPosition> Ack(Caller caller, long seq)
    {
        RequireRegistered();
        if (!caller.Is(Agent.Name))
        {
            throw AgentChannelException.Forbidden("Only the agent itself acknowledges its inbox.");
        }
        if (seq < 0 || seq > _inboxSeq)
        {
            throw AgentChannelException.Invalid("seq", $"'seq' must be between 0 and the inbox's last sequence ({_inboxSeq}).");
        }
        if (seq > Agent.AckedSeq)
        {
            Agent.AckedSeq = seq;
            await state.WriteOrRestore(DeactivateOnIdle);
        }
        return Position();
    }

    public Task<InboxPosition> GetInboxPosition()
    {
        RequireRegistered();
        return Task.FromResult(Position());
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

    public async Task<AgentInfo> Heartbeat(Caller caller, AgentStatus? status)
    {
        RequireActive();
        if (!caller.Is(Agent.Name))
        {
            throw AgentChannelException.Forbidden("Only the agent itself sends its heartbeat.");
        }
        if (status is AgentStatus.Offline)
        {
            throw AgentChannelException.Invalid("status", "A heartbeat says 'online' or 'busy'; to go offline, disconnect or set the status.");
        }
        Agent.LastSeen = clock.GetUtcNow();
        await ChangeStatus(status ?? (Agent.Status == AgentStatus.Offline ? AgentStatus.Online : Agent.Status));
        await KeepTasks();
        return Agent.ToInfo();
    }

    /// <summary>A sign of life (heartbeat, or a gateway renewing an open connection) renews the leases on held tasks.</summary>
    private async Task KeepTasks()
    {
        foreach (var taskId in _heldTasks)
        {
            await GrainFactory.GetGrain<ITaskGrain>(taskId).ExtendLease(Agent.Name);
        }
    }

    /// <summary>
    /// Sets the status, stores it (and, at most every few seconds, last_seen), and announces crossings of
    /// the offline boundary: agent:joined when the agent comes back, agent:left when it goes. Any other
    /// stored change is agent:updated on the activity stream, so the console's listing stays live.
    /// </summary>
    private async Task ChangeStatus(AgentStatus status, bool forceSave = false)
    {
        var previous = Agent.Status;
        Agent.Status = status;
        var lastSeenIsStale = Agent.LastSeen - _lastSeenStored > presence.Value.OfflineAfter / 4;
        var stored = forceSave || previous != status || lastSeenIsStale;
        if (stored)
        {
            await state.WriteOrRestore(DeactivateOnIdle);
            _lastSeenStored = Agent.LastSeen;
        }
        if (status == AgentStatus.Offline)
        {
            StopWatchingPresence();
            Backstop.Sync();
        }
        else
        {
            WatchPresence();
            Backstop.Sync();
        }
        if (previous == AgentStatus.Offline && status != AgentStatus.Offline)
        {
            await AnnouncePresence(EventNames.AgentJoined);
        }
        else if (previous != AgentStatus.Offline && status == AgentStatus.Offline)
        {
            await AnnouncePresence(EventNames.AgentLeft);
            // Work held by an agent that is gone goes back to the queue.
            foreach (var taskId in _heldTasks)
            {
                await GrainFactory.GetGrain<ITaskGrain>(taskId).Release(Agent.Name, "the agent went offline");
            }
        }
        else if (stored)
        {
            await this.PublishActivity(Key, EventNames.AgentUpdated, Agent.ToInfo());
        }
    }

    /// <summary>A crossing of the offline boundary: to the agents listening for presence, and to the operator's side.</summary>
    private async Task AnnouncePresence(string eventName)
    {
        var info = Agent.ToInfo();
        _ = GrainFactory.GetGrain<IPresenceGrain>(0).Changed(
            new AgentEvent(eventName, null, Json.RawJson.Serialize(info, Json.AgentChannelJson.Options), new EventAudience(Agent.Name)));
        await this.PublishActivity(Key, eventName, info);
    }

    private void WatchPresence()
    {
        if (_presenceTimer is not null)
        {
            return;
        }
        var period = presence.Value.OfflineAfter / 4;
        // KeepAlive: a present agent's grain must stay active to notice when it goes quiet.
        _presenceTimer = this.RegisterGrainTimer(CheckPresence, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    private void StopWatchingPresence()
    {
        _presenceTimer?.Dispose();
        _presenceTimer = null;
    }

    private async Task CheckPresence(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var timeout = presence.Value.OfflineAfter;
        var stale = _connections.Where(connection => now - connection.Value.Renewed > timeout).Select(c => c.Key).ToList();
        foreach (var connectionId in stale)
        {
            // A gateway that stopped renewing its connection (it crashed) no longer keeps the agent present.
            _connections.Remove(connectionId);
        }
        if (stale.Count > 0)
        {
            await IndexInterest();
        }
        // An activation counts as a sign of life: a grain brought back by its reminder (its silo died, the server
        // restarted) gives the agent's connections a full timeout to renew before it is declared gone.
        var lastSign = Agent.LastSeen > _activatedAt ? Agent.LastSeen : _activatedAt;
        if (_connections.Count == 0 && now - lastSign > timeout && Agent.Status != AgentStatus.Offline)
        {
            await ChangeStatus(AgentStatus.Offline);
        }
    }

    private InboxPosition Position() => new(_inboxSeq, Agent.AckedSeq);

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

    /// <summary>Registered and not retired: a retired agent is gone for everything but its history.</summary>
    private void RequireActive()
    {
        RequireRegistered();
        if (Agent.RetiredAt is not null)
        {
            throw AgentChannelException.Gone($"The agent '{Agent.Name}' was retired.");
        }
    }

    private void RequireRegistered()
    {
        if (!Agent.IsRegistered)
        {
            throw AgentChannelException.NotFound($"No agent named '{Key}'.");
        }
    }

    private List<string> ValidCapabilities(IReadOnlyList<string>? capabilities)
    {
        var result = new List<string>();
        foreach (var capability in capabilities ?? [])
        {
            var valid = Validation.RequireText(capability, "capabilities", MaxCapabilityChars).Trim();
            if (!result.Contains(valid, StringComparer.Ordinal))
            {
                result.Add(valid);
            }
        }
        if (result.Count > limits.Value.MaxCapabilities)
        {
            throw AgentChannelException.TooLarge("capabilities", $"At most {limits.Value.MaxCapabilities} capabilities.");
        }
        return result;
    }
}

internal readonly record struct LiveConnection(IInboxObserver Observer, DateTimeOffset Renewed, LiveInterest Interest);
