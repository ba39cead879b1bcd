using System.Runtime.CompilerServices;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Realtime;

namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>
/// The A2A operations of one request, as calls to the task and message grains on behalf of the authenticated
/// caller. Streams and blocking sends follow the task with a <see cref="TaskWatch"/> opened before the call that
/// changes it.
/// </summary>
internal sealed class A2AOperations(IClusterClient cluster, RealtimeGateway gateway, Caller caller, int queueCapacity,
    TimeSpan recheckEvery, TimeProvider clock, ILogger logger)
{
    /// <summary>
    /// SendMessage: the task, once closed or waiting for the requester's input, unless <c>configuration.returnImmediately</c>
    /// (A2A's default is to block).
    /// </summary>
    public async Task<StreamResponse> Send(SendMessageRequest request, CancellationToken cancellation)
    {
        await using var watch = await OpenWatch();
        var task = await Deliver(Message(request));
        if (request.Configuration?.ReturnImmediately != true)
        {
            task = await watch.UntilSettled(task, cancellation);
        }
        return new StreamResponse(Task: A2AMapping.ToA2A(task));
    }

    /// <summary>SendStreamingMessage: the task, then each change of its state until it closes.</summary>
    public async IAsyncEnumerable<StreamResponse> SendStreaming(SendMessageRequest request,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        await using var watch = await OpenWatch();
        var task = await Deliver(Message(request));
        await foreach (var item in Follow(watch, task, cancellation))
        {
            yield return item;
        }
    }

    /// <summary>SubscribeToTask: the task as it is now, then each change until it closes; a closed task has nothing to follow.</summary>
    public async IAsyncEnumerable<StreamResponse> Subscribe(TaskIdRequest request, [EnumeratorCancellation] CancellationToken cancellation)
    {
        await using var watch = await OpenWatch();
        var task = await Task(request).Get();
        RequireOpen(task, "has nothing left to stream (GetTask reads it)");
        await foreach (var item in Follow(watch, task, cancellation))
        {
            yield return item;
        }
    }

    public async Task<A2ATask> Get(TaskIdRequest request) => A2AMapping.ToA2A(await Task(request).Get());

    /// <summary>
    /// CancelTask: our cancel, which only the task's creator (or the operator) may do while it is open. Our update
    /// takes cancelling a cancelled task as a no-op; A2A calls cancelling any closed task TaskNotCancelable.
    /// </summary>
    public async Task<A2ATask> Cancel(TaskIdRequest request)
    {
        var grain = Task(request);
        RequireOpen(await grain.Get(), "cannot be cancelled");
        return A2AMapping.ToA2A(await grain.Update(caller, new TaskUpdate(Status: AgentTaskStatus.Cancelled)));
    }

    private Task<TaskWatch> OpenWatch() => TaskWatch.Open(cluster, gateway, caller, queueCapacity, recheckEvery, logger);

    private static A2AMessage Message(SendMessageRequest request) =>
        request.Message ?? throw AgentChannelException.Invalid("message", "'message' is required.");

    /// <summary>
    /// A message naming a task (by taskId or contextId) goes into that task's thread, which reaches its creator and
    /// assignee; to a task waiting for input (A2A's input-required) it is the answer instead. Any other message creates a task.
    /// </summary>
    private async Task<TaskInfo> Deliver(A2AMessage message)
    {
        if (A2AMapping.ContinuedTask(message) is not { } taskId)
        {
            return await cluster.GetGrain<ITaskGrain>(Guid.CreateVersion7(clock.GetUtcNow())).Create(caller, A2AMapping.ToNewTask(message));
        }
        var task = await cluster.GetGrain<ITaskGrain>(taskId).Get();
        RequireOpen(task, "takes no more messages");
        if (task.Status == AgentTaskStatus.InputRequired)
        {
            return await cluster.GetGrain<ITaskGrain>(taskId).ProvideInput(caller, A2AMapping.TextOf(message));
        }
        await cluster.GetGrain<IMessagesGrain>(0).Send(caller, new MessageDraft(A2AMapping.TextOf(message), TaskId: taskId));
        return task;
    }

    /// <summary>A stream of A2A events: the task, then a status update per change, the result artifact before completion.</summary>
    private static async IAsyncEnumerable<StreamResponse> Follow(TaskWatch watch, TaskInfo task,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        yield return new StreamResponse(Task: A2AMapping.ToA2A(task));
        await foreach (var now in watch.Changes(task, cancellation))
        {
            var id = A2AMapping.IdOf(now);
            if (now.Result is { IsNull: false } result)
            {
                yield return new StreamResponse(ArtifactUpdate: new TaskArtifactUpdateEvent(id, id, A2AMapping.ResultArtifact(result), false, true));
            }
            yield return new StreamResponse(StatusUpdate: new TaskStatusUpdateEvent(id, id, A2AMapping.StatusOf(now)));
        }
    }

    /// <summary>A2A's rule for closed tasks: no messages, no subscription, no cancel (a conflict, mapped per method).</summary>
    private static void RequireOpen(TaskInfo task, string refusal)
    {
        if (TaskStates.IsTerminal(A2AMapping.StateOf(task.Status)))
        {
            throw AgentChannelException.Conflict($"Task {task.Id} is {AgentChannelJson.WireName(task.Status)} and {refusal}.");
        }
    }

    private ITaskGrain Task(TaskIdRequest request) => cluster.GetGrain<ITaskGrain>(A2AMapping.ParseTaskId(request.Id, "id"));
}
