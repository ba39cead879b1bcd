using Orleans.Concurrency;

namespace Orleans.AgentChannel.Events;

/// <summary>
/// The live end of an agent: the gateway connection, SSE stream or C# client holding the agent, registered with
/// the agent's grain on connect and again on every renewal (so a restarted or moved grain learns it anew). Only
/// the agent's own grain calls it, with events meant for this agent alone. One-way and unacknowledged.
/// </summary>
[Alias("agentchannel.inbox-observer")]
public interface IInboxObserver : IGrainObserver
{
    /// <summary>
    /// The events one delivery just stored in the inbox, in sequence order (each has a seq). The inbox stays the
    /// guarantee: the receiver fills any gap in the sequence from it. One call per delivery, not per event: to a
    /// cluster client each call is a message on the wire of its own.
    /// </summary>
    // One-way: a grain never waits on a connection (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("stored-batch")]
    Task Stored(IReadOnlyList<AgentEvent> items);

    /// <summary>
    /// Live-only events the connection asked for in its <see cref="LiveInterest"/> (presence, memory:updated of
    /// keys it watches and may read), without a seq. Missed ones are not replayed; a connection that the grain
    /// had lost gets snapshots instead (<see cref="AgentConnected.WasConnected"/>).
    /// </summary>
    // One-way: a grain never waits on a connection (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("live")]
    Task Live(IReadOnlyList<AgentEvent> items);

    /// <summary>
    /// The token this connection was opened with stopped (see <see cref="EventNames.SessionRevoked"/> for the codes):
    /// the grain has already forgotten the connection; the receiver tells its client and closes.
    /// </summary>
    // One-way: a grain never waits on a connection (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("revoked")]
    Task Revoked(string code, string reason);
}
