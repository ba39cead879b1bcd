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
