using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// The single owner of an agent: profile, token hash, presence, and its durable inbox's numbering. Inbox
/// items are numbered and stored here one batch at a time, so an agent's sequence is committed in order.
/// This file holds activation, registration and the token's lifecycle; the other concerns have a file each:
/// <c>AgentGrain.Inbox.cs</c>, <c>AgentGrain.Connections.cs</c>, <c>AgentGrain.Presence.cs</c>.
/// </summary>
public sealed partial class AgentGrain(
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

    /// <summary>
    /// The agent as last stored: what the interleaving reads answer (<see cref="Get"/>, <see cref="Authenticate"/>,
    /// <see cref="IsRetired"/>, <see cref="GetInboxPosition"/>), with last_seen as kept in memory. A change is made in
    /// memory and then stored, and those reads interleave with that write, so a read of the memory could show a
    /// registration, a status or a token that the write then refuses.
    /// </summary>
    private StoredAgent _stored = StoredAgent.Of(new AgentState());

    private AgentState Agent => state.State;

    private string Key => this.GetPrimaryKeyString();

    /// <summary>Held while the agent is present: its presence timeout outlives a dead silo or a restart.</summary>
    private Backstop Backstop => _backstop ??= new Backstop(this, "presence", recovery.Value.ReminderPeriod,
        () => Agent.IsRegistered && Agent.Status != AgentStatus.Offline, logger);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activatedAt = clock.GetUtcNow();
        _stored = StoredAgent.Of(Agent);
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
        await SaveAsync();
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
        // Gone from listings means gone from channel member lists too (a channel does not ask who is retired when it lists).
        foreach (var channel in (await GrainFactory.GetGrain<IChannelDirectoryGrain>(0).List()).Where(channel => channel.MemberCount > 0))
        {
            _ = GrainFactory.GetGrain<IChannelGrain>(AgentNames.Key(channel.Name)).ForgetRetired(Agent.Name);
        }
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

    public Task<AgentInfo?> Get() => Task.FromResult(StoredInfo());

    public Task<bool> IsRetired() => Task.FromResult(_stored.Retired);

    public Task<AgentInfo?> Authenticate(string token) => Task.FromResult(
        !_stored.TokenRevoked && _stored.TokenHash is { } hash && AgentTokens.Matches(token, hash) ? StoredInfo() : null);

    private AgentInfo? StoredInfo() => _stored.Info is { } info ? info with { LastSeen = Agent.LastSeen } : null;

    /// <summary>Stores the state (<see cref="StateWrites.WriteOrRestore{T}"/>); the reads answer the change once it is stored.</summary>
    private async Task SaveAsync()
    {
        await state.WriteOrRestore(DeactivateOnIdle);
        _stored = StoredAgent.Of(Agent);
    }

    /// <summary>What the interleaving reads need of the stored state; <see cref="Info"/> is null unless active.</summary>
    private readonly record struct StoredAgent(AgentInfo? Info, bool Retired, byte[]? TokenHash, bool TokenRevoked, long AckedSeq)
    {
        public static StoredAgent Of(AgentState agent) => new(
            agent.IsActive ? agent.ToInfo() : null, agent.IsRegistered && agent.RetiredAt is not null,
            agent.TokenHash, agent.TokenRevoked, agent.AckedSeq);

        /// <summary>Registered as stored, retired or not (what <see cref="AgentState.IsRegistered"/> says of the memory).</summary>
        public bool Registered => Info is not null || Retired;
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
            throw NotRegistered();
        }
    }

    private AgentChannelException NotRegistered() => AgentChannelException.NotFound($"No agent named '{Key}'.");

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
