using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client;

/// <summary>A task this agent created, or held before the change, was changed by someone else.</summary>
public sealed record TaskUpdatedEvent(long? Seq, TaskInfo Task) : AgentChannelEvent(EventNames.TaskUpdated, Seq);
