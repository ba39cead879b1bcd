using System.Runtime.CompilerServices;
using System.Text.Json;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Api;
using Orleans.AgentChannel.WebFrontend.Realtime;

namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>
/// Follows tasks for one A2A request through the caller's inbox: the task grain stores <c>task:updated</c> there for
/// the creator and the assignee, so that push wakes the watch and the task grain says what the task is now. Opened
/// before the request changes anything, so nothing that happens after can be missed; every
/// <see cref="RecheckEvery"/> the task is read anyway (the caller's own changes are not sent to its inbox, a push
/// may be lost, and the operator has no inbox), and the caller's inbox subscription is renewed as any HTTP
/// stream's is.
/// </summary>
public sealed partial class TaskWatch : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly InboxSubscription? _inbox;
    private readonly ILogger _logger;

    private TaskWatch(IGrainFactory grains, InboxSubscription? inbox, TimeSpan recheckEvery, ILogger logger)
    {
        _grains = grains;
        _inbox = inbox;
        _logger = logger;
        RecheckEvery = recheckEvery;
    }

    public TimeSpan RecheckEvery { get; }

    public static async Task<TaskWatch> Open(IClusterClient cluster, RealtimeGateway gateway, Caller caller,
        int capacity, TimeSpan recheckEvery, ILogger logger)
    {
        var inbox = caller.IsOperator
            ? null
            : await InboxSubscription.Open(cluster, gateway, InboxView.Of(cluster, caller), capacity, logger);
        return new TaskWatch(cluster, inbox, recheckEvery, logger);
    }

    /// <summary>
    /// The task each time its A2A state differs from the one before, starting after <paramref name="seen"/>, until
    /// a terminal state (the last item) or until <paramref name="cancellation"/> fires.
    /// </summary>
    public async IAsyncEnumerable<TaskInfo> Changes(TaskInfo seen, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var grain = _grains.GetGrain<ITaskGrain>(seen.Id);
        var state = A2AMapping.StateOf(seen.Status);
        while (!TaskStates.IsTerminal(state))
        {
            await Wake(seen.Id, cancellation);
            var now = await grain.Get();
            if (A2AMapping.StateOf(now.Status) != state)
            {
                state = A2AMapping.StateOf(now.Status);
                yield return now;
            }
        }
    }

    /// <summary>
    /// The task once it reached a terminal state or waits for the requester (input-required); <paramref name="seen"/>
    /// itself when it had.
    /// </summary>
    public async Task<TaskInfo> UntilSettled(TaskInfo seen, CancellationToken cancellation)
    {
        var last = seen;
        if (TaskStates.IsInterrupted(A2AMapping.StateOf(seen.Status)))
        {
            return last;
        }
        await foreach (var task in Changes(seen, cancellation))
        {
            last = task;
            if (TaskStates.IsInterrupted(A2AMapping.StateOf(task.Status)))
            {
                break;
            }
        }
        return last;
    }

    public ValueTask DisposeAsync() => _inbox?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Returns when the inbox received news of the task or the recheck interval passed.</summary>
    private async Task Wake(Guid taskId, CancellationToken cancellation)
    {
        using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        tick.CancelAfter(RecheckEvery);
        try
        {
            while (_inbox is not null && await _inbox.Events.WaitToReadAsync(tick.Token))
            {
                while (_inbox.Events.TryRead(out var item))
                {
                    if (Concerns(item, taskId))
                    {
                        return;
                    }
                }
            }
            // No inbox, or its pushes ended because they fell behind: only the recheck is left.
            await Task.Delay(Timeout.InfiniteTimeSpan, tick.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            await RenewInbox();
        }
    }

    private async Task RenewInbox()
    {
        if (_inbox is null)
        {
            return;
        }
        try
        {
            await _inbox.Renew();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A silo failing over: the next recheck finds the grain again, and the task is read regardless.
            LogRenewFailed(_logger, exception, _inbox.Id);
        }
    }

    private static bool Concerns(AgentEvent item, Guid taskId)
    {
        // Every task event carries the task (task:lease_lost carries its own payload and is no change of state).
        if (!item.Event.StartsWith("task:", StringComparison.Ordinal) || item.Event == EventNames.TaskLeaseLost)
        {
            return false;
        }
        using var data = JsonDocument.Parse(item.Data.Text);
        return data.RootElement.TryGetProperty("id", out var id) && id.TryGetGuid(out var eventTask) && eventTask == taskId;
    }

    [LoggerMessage(LogLevel.Warning, "Renewing the inbox subscription {SubscriptionId} of an A2A task watch failed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string subscriptionId);
}
