using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Client;

/// <summary>Another agent came online.</summary>
public sealed record AgentJoinedEvent(AgentInfo Agent) : AgentChannelEvent(EventNames.AgentJoined, null);
