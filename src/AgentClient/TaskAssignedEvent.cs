using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client;

/// <summary>A task was assigned to this agent (by its creator, the assignment engine, or a claim).</summary>
public sealed record TaskAssignedEvent(long? Seq, TaskInfo Task) : AgentChannelEvent(EventNames.TaskAssigned, Seq);
