using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Client;

/// <summary>Another agent went offline.</summary>
public sealed record AgentLeftEvent(AgentInfo Agent) : AgentChannelEvent(EventNames.AgentLeft, null);
