using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Agents;

/// <summary>One agent, keyed by its lower-cased name: profile, presence and the hash of its token.</summary>
[Alias("agentchannel.agent")]
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the agent and returns its token, or, when <paramref name="presentedToken"/> is the agent's
    /// own token, updates its profile. A taken name without its token is a conflict.
    /// </summary>
    [AgentAccess(AgentAccess.Anonymous)]
    [Alias("register")]
    Task<AgentRegistered> Register(AgentRegistration registration, string? presentedToken);

    /// <summary>The agent, or null when no agent has this name or it was retired (<see cref="IsRetired"/> tells which).</summary>
    [AgentAccess(AgentAccess.AnyAgent)]
    [AlwaysInterleave, Alias("get"), RetrySafe]
    Task<AgentInfo?> Get();

    /// <summary>Whether an agent had this name and was retired: what turns a missing agent's not_found into gone.</summary>
    [AgentAccess(AgentAccess.AnyAgent)]
    [AlwaysInterleave, Alias("is-retired"), RetrySafe]
    Task<bool> IsRetired();

    /// <summary>
    /// The operator registers an agent: creates it, or gives an existing one (revoked, retired or active) a new token
    /// and the profile sent. The old token stops and live connections opened with it are closed. The only way back
    /// for a revoked or retired agent.
    /// </summary>
    [Alias("register-by-operator")]
    Task<AgentRegistered> RegisterByOperator(Caller caller, AgentRegistration registration);

    /// <summary>
    /// The agent itself replaces its token: the new one is returned once, the old one stops at once, and live
    /// connections opened with it are closed (all but <paramref name="keepConnectionId"/>, the connection asking).
    /// </summary>
    [Alias("rotate-token")]
    Task<AgentRegistered> RotateToken(Caller caller, string? keepConnectionId);

    /// <summary>The operator revokes the agent's token: it stops at once, live connections close, the agent goes offline.</summary>
    [Alias("revoke-token")]
    Task RevokeToken(Caller caller);

    /// <summary>
    /// Retires the agent (the agent itself or the operator): its token stops, its connections close, its tasks go back
    /// to the queue, it leaves listings and assignment, and what is sent to it from now on is refused as gone. Its
    /// history stays. Retiring a retired agent changes nothing.
    /// </summary>
    [Alias("retire")]
    Task Retire(Caller caller);

    /// <summary>
    /// The stale-agent sweep (<c>AgentChannel:Agents:RetireOfflineAfterSeconds</c>): retires the agent only if it is
    /// still offline, with no connection, and was last seen before <paramref name="seenBefore"/>. True if it did.
    /// </summary>
    [Alias("retire-if-stale")]
    Task<bool> RetireIfOfflineSince(DateTimeOffset seenBefore);

    /// <summary>The agent when <paramref name="token"/> is its token; null otherwise.</summary>
    [AgentAccess(AgentAccess.Anonymous)]
    [AlwaysInterleave, Alias("authenticate"), RetrySafe]
    Task<AgentInfo?> Authenticate(string token);

    /// <summary>Sets the agent's presence; only the agent itself or the operator may.</summary>
    [Alias("set-status")]
    Task<AgentInfo> SetStatus(Caller caller, AgentStatus status);

    /// <summary>
    /// Stores events for this agent in its durable inbox under the next sequence numbers, then pushes them
    /// to the observers of its live connections. Returns once they are stored. Delivering again is safe: an item with
    /// a delivery key is stored once, and a message only while it is owed to this inbox (the log's outbox).
    /// </summary>
    // Interleaves: the grain queues the call and stores the calls that waited together, one inbox write at a time in
    // the order they came (AgentGrain.Inbox.cs); one at a time, an agent many grains deliver to paid one write per call.
    [AlwaysInterleave, Alias("deliver")]
    Task Deliver(IReadOnlyList<InboxItem> items);

    /// <summary>
    /// Live-only events for this agent (presence changes, memory:updated of a key it may read), from the grain
    /// that owns the change: passed on to the live connections that asked for them, nothing stored.
    /// </summary>
    // One-way: called by the memory and presence grains, which agents call (Forget, Changed, Listen) (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("notify")]
    Task Notify(IReadOnlyList<AgentEvent> items);

    /// <summary>Inbox events after <paramref name="afterSeq"/>, oldest first.</summary>
    [AgentAccess(AgentAccess.OwnGrain)]
    [AlwaysInterleave, Alias("read-inbox"), RetrySafe]
    Task<InboxPage> ReadInbox(long afterSeq, int limit);

    /// <summary>Acknowledges everything up to <paramref name="seq"/>; acked events are not replayed.</summary>
    [Alias("ack"), RetrySafe]
    Task<InboxPosition> Ack(Caller caller, long seq);

    [AgentAccess(AgentAccess.OwnGrain)]
    [AlwaysInterleave, Alias("inbox-position"), RetrySafe]
    Task<InboxPosition> GetInboxPosition();

    /// <summary>
    /// A live connection opened (or is still open: gateways renew it, and call again when what it watches
    /// changes). Brings the agent online; from now on what the inbox stores is pushed to
    /// <paramref name="observer"/> too, and the live events <paramref name="interest"/> asks for, until the
    /// connection is gone. Returns once memory watches are in force.
    /// </summary>
    [AgentAccess(AgentAccess.OwnGrain)]
    [Alias("connected")]
    Task<AgentConnected> Connected(string connectionId, IInboxObserver observer, LiveInterest interest);

    [AgentAccess(AgentAccess.OwnGrain)]
    [Alias("disconnected")]
    Task Disconnected(string connectionId);

    /// <summary>
    /// Takes one of the agent's task slots for <paramref name="taskId"/>; false when all are taken (a forced
    /// assignment always gets one). Holding a task already is a yes.
    /// </summary>
    [Alias("reserve-slot")]
    Task<bool> ReserveSlot(Guid taskId, bool force);

    /// <summary>The task no longer occupies the agent.</summary>
    // One-way: the awaited direction (task to agent): one-way only so giving a slot back never fails or slows the task's change (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("release-slot")]
    Task ReleaseSlot(Guid taskId);

    /// <summary>The agent says it is alive; it may also switch between online and busy.</summary>
    [Alias("heartbeat"), RetrySafe]
    Task<AgentInfo> Heartbeat(Caller caller, AgentStatus? status);
}
