using Microsoft.Extensions.Logging;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The events a change owes to the task's parties: stored in the task's state with the change, delivered to their
/// inboxes after it, and retried until delivered.
/// </summary>
public sealed partial class TaskGrain
{
    private static readonly TimeSpan NoticeRetryInterval = TimeSpan.FromSeconds(1);

    private IGrainTimer? _noticeTimer;

    /// <summary>A delivery of the owed notices waiting to run right after the current turn (<see cref="Tell"/>).</summary>
    private IGrainTimer? _deliveryTimer;

    /// <summary>
    /// Stores the change together with the inbox events it owes (one write): task:assigned to a new assignee
    /// (whoever assigned it), task:lease_lost to the assignee whose assignment (<paramref name="previous"/>, the
    /// current one before the change) someone else ended, task:updated to the creator and the assignee before the
    /// change, never to the caller. <paramref name="takenBack"/> says why, when the task was taken back. A
    /// <paramref name="keyed"/> write's answer is stored in the same write, and that answer is what the caller gets.
    /// </summary>
    private async Task<TaskInfo> SaveWithNotices(Caller caller, TaskAssignment? previous, (string Reason, string Detail)? takenBack = null,
        KeyedWrite? keyed = null, (string Event, string Recipient)? announce = null)
    {
        using var span = TaskSpan();
        var now = clock.GetUtcNow();
        var previousAssignee = previous?.Agent;
        var info = Current.ToInfo(Id, now);
        var data = RawJson.Serialize(info, AgentChannelJson.Options);
        var newAssignee = info.Status == AgentTaskStatus.Assigned && info.Assignments.Count > 0
                          && info.Assignments[^1].Status == AssignmentStatus.Assigned
                          && !AgentNames.Equal(info.Assignments[^1].Agent, previousAssignee ?? "")
            ? info.Assignments[^1].Agent
            : null;
        if (newAssignee is not null)
        {
            Owe(EventNames.TaskAssigned, data, [newAssignee]);
        }
        // An approval ends the assignment as its agent asked; task:approved says so, not task:lease_lost.
        if (announce?.Event != EventNames.TaskApproved && LostAssignment(caller, previous, takenBack, now) is { } lost)
        {
            // Before task:updated, so the agent reads why it lost the task before the task as it is now.
            Owe(EventNames.TaskLeaseLost, RawJson.Serialize(lost, AgentChannelJson.Options), [lost.Agent]);
        }
        var announced = announce is { } step && !caller.Is(step.Recipient) && !AgentNames.Equal(step.Recipient, Caller.OperatorName)
            ? step
            : ((string Event, string Recipient)?)null;
        if (announced is { } told)
        {
            // Instead of task:updated: the recipient is the one the step waits on (or was waiting for).
            Owe(told.Event, data, [told.Recipient]);
        }
        var watchers = new[] { info.Creator, previousAssignee }
            .OfType<string>()
            // The operator has no inbox.
            .Where(name => !caller.Is(name) && !AgentNames.Equal(name, newAssignee ?? "") && !AgentNames.Equal(name, Caller.OperatorName)
                           && !AgentNames.Equal(name, announced?.Recipient ?? ""))
            .ToList();
        if (watchers.Count > 0)
        {
            Owe(EventNames.TaskUpdated, data, watchers);
        }
        ledger.Record(Current.Idempotency, keyed, info);
        TaskInfo saved;
        try
        {
            saved = await SaveAsync();
        }
        catch when (newAssignee is not null)
        {
            // The new assignee's grain reserved a slot for a change that was not stored: the task is not the agent's,
            // so the slot goes back now, not when the agent's grain next activates and counts what it holds in storage.
            await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(newAssignee)).ReleaseSlot(Id);
            throw;
        }
        return keyed is null ? saved : info;
    }

    /// <summary>
    /// The span of a stored change, named by the status it leaves the task in; in another trace than the task's
    /// creation (an engine assignment, a completion) it links to that creation.
    /// </summary>
    private System.Diagnostics.Activity? TaskSpan()
    {
        if (!AgentChannelTracing.Grains.HasListeners())
        {
            return null;
        }
        var origin = AgentChannelTracing.ParseOrDefault(Current.TraceParent);
        var links = origin != default && origin.TraceId != System.Diagnostics.Activity.Current?.TraceId
            ? new[] { new System.Diagnostics.ActivityLink(origin) }
            : null;
        var span = AgentChannelTracing.Grains.StartActivity($"task {Wire(Current.Status)}", System.Diagnostics.ActivityKind.Internal,
            parentContext: default, links: links);
        span?.SetTag(AgentChannelTracing.TaskIdTag, Id.ToString()).SetTag(AgentChannelTracing.TaskStatusTag, Wire(Current.Status))
            .SetTag(AgentChannelTracing.AgentTag, Current.CurrentAssignment?.Agent).SetTag(AgentChannelTracing.SiloTag, RuntimeIdentity);
        return span;
    }

    /// <summary>The assignment this change ended, when someone other than its agent ended it: what task:lease_lost says.</summary>
    private TaskLeaseLost? LostAssignment(Caller caller, TaskAssignment? previous, (string Reason, string Detail)? takenBack, DateTimeOffset now)
    {
        if (previous is null || caller.Is(previous.Agent)
            || Current.Assignments.LastOrDefault(a => a.Id == previous.Id) is not { } ended
            || ended.Status is AssignmentStatus.Assigned or AssignmentStatus.InProgress)
        {
            return null;
        }
        var (reason, detail) = ended.Status switch
        {
            AssignmentStatus.Released => takenBack ?? (LeaseLostReasons.Released, "the task was taken back"),
            AssignmentStatus.Reassigned => (LeaseLostReasons.Reassigned, $"{caller.Name} assigned the task to {Current.CurrentAssignment?.Agent}"),
            AssignmentStatus.Cancelled => (LeaseLostReasons.Cancelled, $"{caller.Name} cancelled the task"),
            AssignmentStatus.Completed => (LeaseLostReasons.Completed, $"{caller.Name} completed the task"),
            _ => (LeaseLostReasons.Failed, $"{caller.Name} failed the task"),
        };
        return new TaskLeaseLost(Id, ended.Id, ended.Agent, reason, detail, ended.CompletedAt ?? now);
    }

    private void Owe(string eventName, RawJson data, IReadOnlyList<string> recipients) =>
        Current.Notices.Add(new TaskNotice($"task/{Id}/{++Current.NoticesMade}", eventName, data, recipients));

    /// <summary>
    /// Delivers what the stored change owes, stored in the inboxes before the caller hears back; what cannot be
    /// delivered now is retried every second (the change is stored either way, so the caller hears it succeeded).
    /// With <paramref name="afterAnswer"/> the caller does not wait for the inboxes: they are filled in a turn of the
    /// grain's own right after this one (a creation the engine assigned at once: the creator is not the one told, and
    /// before that was possible it heard back once the waiting task was stored, not once an agent had it).
    /// </summary>
    private async Task Tell(TaskInfo info, bool afterAnswer = false)
    {
        if (afterAnswer)
        {
            _deliveryTimer ??= this.RegisterGrainTimer(async _ =>
            {
                _deliveryTimer?.Dispose();
                _deliveryTimer = null;
                await DeliverNotices();
            }, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            await DeliverNotices();
        }
        await this.PublishActivity(Id.ToString(), EventNames.TaskUpdated, info);
        Backstop.Sync();
    }

    /// <summary>
    /// Delivers the notices owed; true when none is left. Delivered ones leave the state at its next write. Each inbox
    /// gets one call with its notices in the order they were owed, so an agent reads a task's events in that order
    /// (task:lease_lost before the task:updated of the same change, an older change's events before a newer one's).
    /// </summary>
    private async Task<bool> DeliverNotices()
    {
        var owed = Current.Notices.ToList();
        var inboxes = owed
            .SelectMany(notice => notice.Recipients
                .Where(name => !AgentNames.Equal(name, Caller.OperatorName))
                .Select(name => (Inbox: AgentNames.Key(name), Notice: notice)))
            .GroupBy(entry => entry.Inbox, entry => entry.Notice, StringComparer.Ordinal)
            .Select(inbox =>
            {
                var notices = inbox.Distinct<TaskNotice>(ReferenceEqualityComparer.Instance).ToList();
                return (Notices: notices, Delivery: Deliver(inbox.Key, notices));
            })
            .ToList();
        try
        {
            await Task.WhenAll(inboxes.Select(inbox => inbox.Delivery));
        }
        catch (Exception exception)
        {
            LogNoticesNotDelivered(exception, Id, inboxes.Count(inbox => !inbox.Delivery.IsCompletedSuccessfully));
        }
        var undelivered = inboxes.Where(inbox => !inbox.Delivery.IsCompletedSuccessfully)
            .SelectMany(inbox => inbox.Notices)
            .ToHashSet<TaskNotice>(ReferenceEqualityComparer.Instance);
        foreach (var notice in owed.Where(notice => !undelivered.Contains(notice)))
        {
            Current.Notices.Remove(notice);
        }
        if (Current.Notices.Count > 0)
        {
            RetryNoticesSoon(NoticeRetryInterval);
            return false;
        }
        return true;
    }

    private async Task Deliver(string inbox, IReadOnlyList<TaskNotice> notices)
    {
        try
        {
            await GrainFactory.GetGrain<IAgentGrain>(inbox)
                .Deliver([.. notices.Select(notice => new InboxItem(notice.Event, notice.Data, DeliveryKey: notice.Key))]);
        }
        catch (AgentChannelException error) when (error.Code == ErrorKind.NotFound)
        {
            // A recipient that is not (or no longer) an agent has no inbox; retrying would not change that.
        }
    }

    private void RetryNoticesSoon(TimeSpan dueTime) =>
        _noticeTimer ??= this.RegisterGrainTimer(RetryNotices, new GrainTimerCreationOptions(dueTime, NoticeRetryInterval) { KeepAlive = true });

    /// <summary>Once every notice is delivered, the emptied list is stored so that no later activation delivers them again.</summary>
    private async Task RetryNotices(CancellationToken cancellationToken)
    {
        if (!await DeliverNotices())
        {
            return;
        }
        _noticeTimer?.Dispose();
        _noticeTimer = null;
        await SaveAsync();
    }

    [LoggerMessage(LogLevel.Warning, "Task {TaskId}: the notices owed to {Count} inboxes could not be delivered yet; retrying every second")]
    private partial void LogNoticesNotDelivered(Exception exception, Guid taskId, int count);
}
