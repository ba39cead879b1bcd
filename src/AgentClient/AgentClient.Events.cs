using System.Runtime.CompilerServices;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Client.Delivery;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client;

// Events reach the agent two ways, over the same ordered delivery: handlers (OnMessage, ...) and
// IAsyncEnumerable streams (ReadMessagesAsync, ...). Events are dispatched one at a time, in order: a handler
// or loop body that waits for another event to arrive waits forever.
public sealed partial class AgentClient
{
    /// <summary>message:received: a direct message, a message in a channel the agent belongs to, or in one of its task threads.</summary>
    public IDisposable OnMessage(Func<MessageInfo, CancellationToken, Task> handler) =>
        On<MessageReceivedEvent>(EventNames.MessageReceived, (item, token) => handler(item.Message, token));

    public IDisposable OnMessage(Func<MessageInfo, Task> handler) => OnMessage((message, _) => handler(message));

    /// <summary>
    /// task:assigned: a task is now this agent's (assigned to it, given by the engine, or claimed). The SDK never
    /// completes a task by itself: call <see cref="CompleteTaskAsync"/> or report failure with <see cref="UpdateTaskAsync"/>.
    /// </summary>
    public IDisposable OnTaskAssigned(Func<TaskInfo, CancellationToken, Task> handler) =>
        On<TaskAssignedEvent>(EventNames.TaskAssigned, (item, token) => handler(item.Task, token));

    public IDisposable OnTaskAssigned(Func<TaskInfo, Task> handler) => OnTaskAssigned((task, _) => handler(task));

    /// <summary>task:updated: someone else changed a task this agent created or held before the change.</summary>
    public IDisposable OnTaskUpdated(Func<TaskInfo, CancellationToken, Task> handler) =>
        On<TaskUpdatedEvent>(EventNames.TaskUpdated, (item, token) => handler(item.Task, token));

    public IDisposable OnTaskUpdated(Func<TaskInfo, Task> handler) => OnTaskUpdated((task, _) => handler(task));

    /// <summary>
    /// task:lease_lost: someone else ended this agent's assignment of a task (lease expired, taken back because the agent
    /// went offline, handed to another agent, cancelled, or closed by the operator). Stop working on it: the client no
    /// longer completes it under that assignment, and the cluster would refuse it with <see cref="LeaseLostException"/>.
    /// </summary>
    public IDisposable OnTaskLeaseLost(Func<TaskLeaseLost, CancellationToken, Task> handler) =>
        On<TaskLeaseLostEvent>(EventNames.TaskLeaseLost, (item, token) => handler(item.LeaseLost, token));

    public IDisposable OnTaskLeaseLost(Func<TaskLeaseLost, Task> handler) => OnTaskLeaseLost((lost, _) => handler(lost));

    /// <summary>task:input_required: the assignee of a task this agent created asks a question (<see cref="TaskInfo.InputRequest"/>); answer with <see cref="ProvideInputAsync"/>.</summary>
    public IDisposable OnTaskInputRequired(Func<TaskInfo, CancellationToken, Task> handler) => OnStep(EventNames.TaskInputRequired, handler);

    public IDisposable OnTaskInputRequired(Func<TaskInfo, Task> handler) => OnTaskInputRequired((task, _) => handler(task));

    /// <summary>task:input_provided: the answer to this agent's question (<c>InputRequest.Answer</c>); the task is in_progress again.</summary>
    public IDisposable OnTaskInputProvided(Func<TaskInfo, CancellationToken, Task> handler) => OnStep(EventNames.TaskInputProvided, handler);

    public IDisposable OnTaskInputProvided(Func<TaskInfo, Task> handler) => OnTaskInputProvided((task, _) => handler(task));

    /// <summary>task:awaiting_approval: a task this agent created was completed and waits for <see cref="ApproveTaskAsync"/> or <see cref="SendBackTaskAsync"/>.</summary>
    public IDisposable OnTaskAwaitingApproval(Func<TaskInfo, CancellationToken, Task> handler) => OnStep(EventNames.TaskAwaitingApproval, handler);

    public IDisposable OnTaskAwaitingApproval(Func<TaskInfo, Task> handler) => OnTaskAwaitingApproval((task, _) => handler(task));

    /// <summary>task:approved: this agent's completed work was approved; the task is completed.</summary>
    public IDisposable OnTaskApproved(Func<TaskInfo, CancellationToken, Task> handler) => OnStep(EventNames.TaskApproved, handler);

    public IDisposable OnTaskApproved(Func<TaskInfo, Task> handler) => OnTaskApproved((task, _) => handler(task));

    /// <summary>task:sent_back: this agent's work was sent back (<c>Review.Comment</c> says why); the task is in_progress again.</summary>
    public IDisposable OnTaskSentBack(Func<TaskInfo, CancellationToken, Task> handler) => OnStep(EventNames.TaskSentBack, handler);

    public IDisposable OnTaskSentBack(Func<TaskInfo, Task> handler) => OnTaskSentBack((task, _) => handler(task));

    /// <summary>memory:updated for the keys and prefixes watched with <see cref="WatchMemoryAsync"/> that this agent may read.</summary>
    public IDisposable OnMemoryUpdated(Func<MemoryUpdated, CancellationToken, Task> handler) =>
        On<MemoryUpdatedEvent>(EventNames.MemoryUpdated, (item, token) => handler(item.Update, token));

    public IDisposable OnMemoryUpdated(Func<MemoryUpdated, Task> handler) => OnMemoryUpdated((update, _) => handler(update));

    /// <summary>agent:joined: another agent came online (needs <see cref="AgentClientOptions.ReceivePresenceEvents"/>).</summary>
    public IDisposable OnAgentJoined(Func<AgentInfo, CancellationToken, Task> handler) =>
        On<AgentJoinedEvent>(EventNames.AgentJoined, (item, token) => handler(item.Agent, token));

    public IDisposable OnAgentJoined(Func<AgentInfo, Task> handler) => OnAgentJoined((agent, _) => handler(agent));

    /// <summary>agent:left: another agent went offline (needs <see cref="AgentClientOptions.ReceivePresenceEvents"/>).</summary>
    public IDisposable OnAgentLeft(Func<AgentInfo, CancellationToken, Task> handler) =>
        On<AgentLeftEvent>(EventNames.AgentLeft, (item, token) => handler(item.Agent, token));

    public IDisposable OnAgentLeft(Func<AgentInfo, Task> handler) => OnAgentLeft((agent, _) => handler(agent));

    /// <summary>Every event, typed (<see cref="MessageReceivedEvent"/>, <see cref="TaskAssignedEvent"/>, ...).</summary>
    public IDisposable OnEvent(Func<AgentChannelEvent, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return _dispatcher.AddHandler(null, handler);
    }

    /// <summary>
    /// Every event, in delivery order, for <c>await foreach</c>. Starts delivery. An event counts as processed when
    /// the loop asks for the next one (or ends); the loop sees the events dispatched while it runs.
    /// </summary>
    public IAsyncEnumerable<AgentChannelEvent> ReadEventsAsync(CancellationToken cancellationToken = default) =>
        Read(item => item, cancellationToken);

    /// <summary>message:received as a stream (see <see cref="ReadEventsAsync"/>).</summary>
    public IAsyncEnumerable<MessageInfo> ReadMessagesAsync(CancellationToken cancellationToken = default) =>
        Read(item => (item as MessageReceivedEvent)?.Message, cancellationToken);

    /// <summary>task:assigned as a stream (see <see cref="ReadEventsAsync"/>).</summary>
    public IAsyncEnumerable<TaskInfo> ReadTaskAssignmentsAsync(CancellationToken cancellationToken = default) =>
        Read(item => (item as TaskAssignedEvent)?.Task, cancellationToken);

    /// <summary>task:updated as a stream (see <see cref="ReadEventsAsync"/>).</summary>
    public IAsyncEnumerable<TaskInfo> ReadTaskUpdatesAsync(CancellationToken cancellationToken = default) =>
        Read(item => (item as TaskUpdatedEvent)?.Task, cancellationToken);

    /// <summary>memory:updated for watched keys as a stream (see <see cref="ReadEventsAsync"/>).</summary>
    public IAsyncEnumerable<MemoryUpdated> ReadMemoryUpdatesAsync(CancellationToken cancellationToken = default) =>
        Read(item => (item as MemoryUpdatedEvent)?.Update, cancellationToken);

    private IDisposable OnStep(string eventName, Func<TaskInfo, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return On<TaskStepEvent>(eventName, (item, token) => handler(item.Task, token));
    }

    private IDisposable On<TEvent>(string eventName, Func<TEvent, CancellationToken, Task> handler) where TEvent : AgentChannelEvent
    {
        ArgumentNullException.ThrowIfNull(handler);
        return _dispatcher.AddHandler(eventName, (item, token) => handler((TEvent)item, token));
    }

    private async IAsyncEnumerable<T> Read<T>(Func<AgentChannelEvent, T?> select, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        var subscription = new EventSubscription(item => select(item) is not null);
        _dispatcher.Add(subscription);
        EventSubscription.Delivery? current = null;
        try
        {
            Start();
            while ((current = await subscription.Next(cancellationToken)) is not null)
            {
                yield return select(current.Event)!;
                // The loop asked for the next event: it is done with this one.
                current.Handled.TrySetResult();
                current = null;
            }
        }
        finally
        {
            _dispatcher.Remove(subscription);
            subscription.End();
            // The loop ended with this event (break, exception): it counts as processed, like a handler that returned or threw.
            current?.Handled.TrySetResult();
        }
    }
}
