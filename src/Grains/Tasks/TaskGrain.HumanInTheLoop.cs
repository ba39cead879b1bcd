using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;

namespace Orleans.AgentChannel.Tasks;

// A person in the loop (docs/architecture.md, "Task: a person in the loop"): the assignee asks the creator a question
// and waits for the answer; a task that requires approval waits after its completion until the creator or the operator
// approves it or sends it back. While a person is asked the lease is paused, and the assignee keeps the task.
public sealed partial class TaskGrain
{
    public async Task<TaskInfo> RequestInput(Caller caller, string question, Guid? assignmentId = null, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "task:request_input", question, assignmentId);
        if (ledger.TryReplay<TaskInfo>(Current.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        RequireCreated();
        CheckFence(assignmentId);
        TaskTransitions.Check(Id, Current.Status, AgentTaskStatus.InputRequired, TaskRoles.Of(caller, Current));
        var text = Validation.RequireText(question, "question", limits.Value.MaxDescriptionChars);
        var now = clock.GetUtcNow();
        var previous = Current.CurrentAssignment;
        Current.InputRequest = new TaskInputRequest(text, previous!.Agent, now);
        MoveTo(AgentTaskStatus.InputRequired, now);
        Current.UpdatedAt = now;
        var info = await SaveWithNotices(caller, previous, keyed: keyed, announce: (EventNames.TaskInputRequired, Current.Creator));
        await Tell(info);
        return info;
    }

    public async Task<TaskInfo> ProvideInput(Caller caller, string answer, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "task:provide_input", answer);
        if (ledger.TryReplay<TaskInfo>(Current.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        RequireCreated();
        if (Current.Status != AgentTaskStatus.InputRequired)
        {
            throw AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)}; only a task waiting for input takes an answer.");
        }
        TaskTransitions.Check(Id, Current.Status, AgentTaskStatus.InProgress, TaskRoles.Of(caller, Current));
        var text = Validation.RequireText(answer, "answer", limits.Value.MaxDescriptionChars);
        var now = clock.GetUtcNow();
        Current.InputRequest = Current.InputRequest! with { Answer = text, AnsweredBy = caller.Name, AnsweredAt = now };
        return await Resume(caller, now, EventNames.TaskInputProvided, keyed);
    }

    public async Task<TaskInfo> Approve(Caller caller, string? comment = null, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "task:approve", comment);
        if (ledger.TryReplay<TaskInfo>(Current.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        RequireCreated();
        RequireAwaitingApproval();
        TaskTransitions.Check(Id, Current.Status, AgentTaskStatus.Completed, TaskRoles.Of(caller, Current));
        var text = comment is null ? null : Validation.LimitText(comment, "comment", limits.Value.MaxDescriptionChars);
        var now = clock.GetUtcNow();
        var previous = Current.CurrentAssignment;
        Current.Review = new TaskReview(ReviewDecision.Approved, caller.Name, now, text);
        MoveTo(AgentTaskStatus.Completed, now);
        Current.UpdatedAt = now;
        var info = await SaveWithNotices(caller, previous, keyed: keyed, announce: (EventNames.TaskApproved, previous!.Agent));
        // Frees the assignee's slot and tells the dependents: only this final completion unblocks them.
        await AfterChange(caller, info, previous.Agent);
        return info;
    }

    public async Task<TaskInfo> SendBack(Caller caller, string comment, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "task:send_back", comment);
        if (ledger.TryReplay<TaskInfo>(Current.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        RequireCreated();
        RequireAwaitingApproval();
        TaskTransitions.Check(Id, Current.Status, AgentTaskStatus.InProgress, TaskRoles.Of(caller, Current));
        var text = Validation.RequireText(comment, "comment", limits.Value.MaxDescriptionChars);
        var now = clock.GetUtcNow();
        Current.Review = new TaskReview(ReviewDecision.SentBack, caller.Name, now, text);
        return await Resume(caller, now, EventNames.TaskSentBack, keyed);
    }

    private void RequireAwaitingApproval()
    {
        if (Current.Status != AgentTaskStatus.AwaitingApproval)
        {
            throw AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)}; only a task awaiting approval is approved or sent back.");
        }
    }

    /// <summary>
    /// The person acted: the task is back with its assignee, in progress, with a full lease from now (the assignee may
    /// have been away while it waited; if it does not come back, the lease runs out as usual), and the assignee is told
    /// with <paramref name="eventName"/>.
    /// </summary>
    private async Task<TaskInfo> Resume(Caller caller, DateTimeOffset now, string eventName, KeyedWrite? keyed)
    {
        var previous = Current.CurrentAssignment;
        MoveTo(AgentTaskStatus.InProgress, now);
        Current.LeaseExpiresAt = now + Options.Lease;
        Current.UpdatedAt = now;
        WatchLease();
        var info = await SaveWithNotices(caller, previous, keyed: keyed, announce: (eventName, previous!.Agent));
        await Tell(info);
        return info;
    }
}
