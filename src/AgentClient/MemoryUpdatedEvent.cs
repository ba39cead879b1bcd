using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Client;

/// <summary>A watched memory key that this agent may read changed, was deleted or expired.</summary>
public sealed record MemoryUpdatedEvent(MemoryUpdated Update) : AgentChannelEvent(EventNames.MemoryUpdated, null);
