using System.Text.Json;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Api;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// Every client request except agent:register, mapped onto the same grain calls as the REST API: no rule
/// is written twice. Returns what the ack carries.
/// </summary>
public static class RealtimeRequests
{
    public static async Task<object> Handle(string eventName, JsonElement data, Caller caller, IGrainFactory grains, AgentConnection connection)
    {
        var agent = grains.GetGrain<IAgentGrain>(AgentNames.Key(caller.Name));
        var key = KeyOf(data);
        switch (eventName)
        {
            case ClientEvents.Heartbeat:
                return await agent.Heartbeat(caller, Body<HeartbeatRequest>(data).Status);
            case ClientEvents.RotateToken:
                return await connection.RotateToken(agent, caller);
            case ClientEvents.MessageSend:
                return await grains.GetGrain<IMessagesGrain>(0).Send(caller, Body<MessageDraft>(data), key);
            case ClientEvents.TaskCreate:
                return await grains.GetGrain<ITaskGrain>(key?.DerivedId(KeyedIds.Task, caller) ?? Guid.CreateVersion7()).Create(caller, Body<NewTask>(data), key);
            case ClientEvents.TaskAssign:
            {
                var request = Body<TaskRequest>(data);
                return await TaskGrainOf(grains, request).Assign(caller, request.Agent ?? throw AgentChannelException.Invalid("agent", "'agent' is required."), key);
            }
            case ClientEvents.TaskUpdate:
                return await TaskGrainOf(grains, Body<TaskRequest>(data)).Update(caller, Body<TaskUpdate>(data), key);
            case ClientEvents.TaskComplete:
            {
                var request = Body<TaskRequest>(data);
                return await TaskGrainOf(grains, request).Complete(caller, request.Result, request.AssignmentId, key, request.Artifacts);
            }
            case ClientEvents.TaskRequestInput:
            {
                var request = Body<TaskRequest>(data);
                return await TaskGrainOf(grains, request).RequestInput(caller, request.Question ?? "", request.AssignmentId, key);
            }
            case ClientEvents.TaskProvideInput:
            {
                var request = Body<TaskRequest>(data);
                return await TaskGrainOf(grains, request).ProvideInput(caller, request.Answer ?? "", key);
            }
            case ClientEvents.TaskApprove:
            {
                var request = Body<TaskRequest>(data);
                return await TaskGrainOf(grains, request).Approve(caller, request.Comment, key);
            }
            case ClientEvents.TaskSendBack:
            {
                var request = Body<TaskRequest>(data);
                return await TaskGrainOf(grains, request).SendBack(caller, request.Comment ?? "", key);
            }
            case ClientEvents.TaskClaim:
                return new ClaimAck(await grains.GetGrain<ITaskDirectoryGrain>(0).Claim(caller, key));
            case ClientEvents.MemorySet:
            {
                var request = Body<SetMemoryRequest>(data);
                var written = await grains.MemoryGrain(request.Key)
                    .TrySet(caller, new MemoryWrite(request.Value, request.AccessControl, request.ExpectedVersion, request.TtlSeconds), key).OrThrow();
                return written.Entry;
            }
            case ClientEvents.MemoryDelete:
            {
                var request = Body<DeleteMemoryRequest>(data);
                await grains.MemoryGrain(request.Key).Delete(caller, request.ExpectedVersion, key);
                return new { key = request.Key, deleted = true };
            }
            case ClientEvents.MemoryGet:
                return await grains.MemoryGrain(Body<KeyRequest>(data).Key).Get(caller);
            case ClientEvents.MemoryWatch:
            {
                var request = Body<WatchRequest>(data);
                return await connection.Watch(request.Key, request.Prefix, watch: true, snapshot: request.Snapshot ?? false);
            }
            case ClientEvents.MemoryUnwatch:
            {
                var request = Body<WatchRequest>(data);
                return await connection.Watch(request.Key, request.Prefix, watch: false, snapshot: false);
            }
            case ClientEvents.InboxAck:
                return await agent.Ack(caller, Body<InboxAckRequest>(data).Seq ?? throw AgentChannelException.Invalid("seq", "'seq' is required."));
            case ClientEvents.ChannelJoin:
                return await Channel(grains, Body<ChannelRequest>(data)).Join(caller, key);
            case ClientEvents.ChannelLeave:
                return await Channel(grains, Body<ChannelRequest>(data)).Leave(caller, key);
            default:
                throw AgentChannelException.Invalid("event", $"Unknown event '{eventName}'.");
        }
    }

    /// <summary>The <c>idempotency_key</c> in a request's data (a write's key for safe retries), or null; a key that is not a string is invalid.</summary>
    public static IdempotencyKey? KeyOf(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(IdempotencyKey.Field, out var key)
            ? key.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => IdempotencyKey.Parse(key.GetString()),
                _ => throw AgentChannelException.Invalid(IdempotencyKey.Field, $"'{IdempotencyKey.Field}' must be a string."),
            }
            : null;

    /// <summary>The request's data as a contract; a missing data object is an empty one; data that does not bind is invalid, naming the field.</summary>
    public static T Body<T>(JsonElement data) where T : class
    {
        try
        {
            return (data.ValueKind == JsonValueKind.Undefined ? null : data.Deserialize<T>(AgentChannelJson.Options))
                   ?? JsonSerializer.Deserialize<T>("{}", AgentChannelJson.Options)!;
        }
        catch (JsonException error)
        {
            throw JsonBodyErrors.Invalid(error, typeof(T), AgentChannelJson.Options);
        }
    }

    private static ITaskGrain TaskGrainOf(IGrainFactory grains, TaskRequest request) =>
        grains.GetGrain<ITaskGrain>(request.TaskId ?? throw AgentChannelException.Invalid("task_id", "'task_id' is required."));

    private static IChannelGrain Channel(IGrainFactory grains, ChannelRequest request) =>
        grains.GetGrain<IChannelGrain>(AgentNames.Key(AgentNames.Require(request.Channel, "channel")));
}
