using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// This agent's assignment of a task was ended by someone else (its lease expired, it was taken back, handed to another
/// agent, cancelled, or closed by the operator): stop working on it; completing or updating it under that assignment
/// is refused with <see cref="LeaseLostException"/>.
/// </summary>
public sealed record TaskLeaseLostEvent(long? Seq, TaskLeaseLost LeaseLost) : AgentChannelEvent(EventNames.TaskLeaseLost, Seq);
