using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// An event delivered to the agent, typed by its name. <see cref="Seq"/> is the agent's inbox sequence for
/// message:received and the task:* events; memory and presence events are live only and have none.
/// </summary>
public abstract record AgentChannelEvent(string Name, long? Seq)
{
    /// <summary>Reads an event as the cluster publishes it; the payload is the same JSON the REST API returns.</summary>
    public static AgentChannelEvent From(AgentEvent item) => item.Event switch
    {
        EventNames.MessageReceived => new MessageReceivedEvent(item.Seq, Read<MessageInfo>(item.Data)),
        EventNames.TaskAssigned => new TaskAssignedEvent(item.Seq, Read<TaskInfo>(item.Data)),
        EventNames.TaskUpdated => new TaskUpdatedEvent(item.Seq, Read<TaskInfo>(item.Data)),
        EventNames.TaskLeaseLost => new TaskLeaseLostEvent(item.Seq, Read<TaskLeaseLost>(item.Data)),
        EventNames.TaskInputRequired or EventNames.TaskInputProvided or EventNames.TaskAwaitingApproval
            or EventNames.TaskApproved or EventNames.TaskSentBack => new TaskStepEvent(item.Event, item.Seq, Read<TaskInfo>(item.Data)),
        EventNames.MemoryUpdated => new MemoryUpdatedEvent(Read<MemoryUpdated>(item.Data)),
        EventNames.AgentJoined => new AgentJoinedEvent(Read<AgentInfo>(item.Data)),
        EventNames.AgentLeft => new AgentLeftEvent(Read<AgentInfo>(item.Data)),
        _ => new UnknownEvent(item.Event, item.Seq, item.Data),
    };

    private static T Read<T>(RawJson data) =>
        data.Deserialize<T>(AgentChannelJson.Options) ?? throw new System.Text.Json.JsonException($"The event carried no {typeof(T).Name}.");
}

/// <summary>A message to this agent: direct, in a channel it belongs to, or in the thread of one of its tasks.</summary>
public sealed record MessageReceivedEvent(long? Seq, MessageInfo Message) : AgentChannelEvent(EventNames.MessageReceived, Seq);

/// <summary>A task was assigned to this agent (by its creator, the assignment engine, or a claim).</summary>
public sealed record TaskAssignedEvent(long? Seq, TaskInfo Task) : AgentChannelEvent(EventNames.TaskAssigned, Seq);

/// <summary>A task this agent created, or held before the change, was changed by someone else.</summary>
public sealed record TaskUpdatedEvent(long? Seq, TaskInfo Task) : AgentChannelEvent(EventNames.TaskUpdated, Seq);

/// <summary>
/// This agent's assignment of a task was ended by someone else (its lease expired, it was taken back, handed to another
/// agent, cancelled, or closed by the operator): stop working on it; completing or updating it under that assignment
/// is refused with <see cref="LeaseLostException"/>.
/// </summary>
public sealed record TaskLeaseLostEvent(long? Seq, TaskLeaseLost LeaseLost) : AgentChannelEvent(EventNames.TaskLeaseLost, Seq);

/// <summary>
/// A person in the loop moved a task (<see cref="AgentChannelEvent.Name"/> says how): task:input_required and
/// task:awaiting_approval reach its creator, task:input_provided (the answer is <c>Task.InputRequest.Answer</c>),
/// task:approved and task:sent_back (the comment is <c>Task.Review.Comment</c>) its assignee.
/// </summary>
public sealed record TaskStepEvent(string EventName, long? EventSeq, TaskInfo Task) : AgentChannelEvent(EventName, EventSeq);

/// <summary>A watched memory key that this agent may read changed, was deleted or expired.</summary>
public sealed record MemoryUpdatedEvent(MemoryUpdated Update) : AgentChannelEvent(EventNames.MemoryUpdated, null);

/// <summary>Another agent came online.</summary>
public sealed record AgentJoinedEvent(AgentInfo Agent) : AgentChannelEvent(EventNames.AgentJoined, null);

/// <summary>Another agent went offline.</summary>
public sealed record AgentLeftEvent(AgentInfo Agent) : AgentChannelEvent(EventNames.AgentLeft, null);

/// <summary>An event this version of the SDK does not know, with its raw payload.</summary>
public sealed record UnknownEvent(string EventName, long? EventSeq, RawJson Data) : AgentChannelEvent(EventName, EventSeq);
