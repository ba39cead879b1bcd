namespace Orleans.AgentChannel.Events;

/// <summary>
/// The agent's grain answering <c>Connected</c>. <see cref="WasConnected"/> false on a renewal means the grain
/// had lost the connection (it was re-activated after a silo died, or timed the connection out): live events
/// may have been missed meanwhile, so the connection sends snapshots of what it watches.
/// </summary>
[GenerateSerializer, Immutable, Alias("agent-connected")]
public sealed record AgentConnected(
    [property: Id(0)] Agents.AgentInfo Agent,
    [property: Id(1)] bool WasConnected);
