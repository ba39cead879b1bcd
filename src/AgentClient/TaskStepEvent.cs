using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// A person in the loop moved a task (<see cref="AgentChannelEvent.Name"/> says how): task:input_required and
/// task:awaiting_approval reach its creator, task:input_provided (the answer is <c>Task.InputRequest.Answer</c>),
/// task:approved and task:sent_back (the comment is <c>Task.Review.Comment</c>) its assignee.
/// </summary>
public sealed record TaskStepEvent(string EventName, long? EventSeq, TaskInfo Task) : AgentChannelEvent(EventName, EventSeq);
