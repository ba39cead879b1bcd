using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The task status machine as one table: which moves exist and who may make each. Pure, so the whole machine is read
/// (and tested) in one place; the grain asks it before it changes anything.
/// </summary>
internal static class TaskTransitions
{
    /// <summary>Who may move a task from <paramref name="from"/> to <paramref name="to"/>; None when there is no such move.</summary>
    public static TaskParty WhoMay(AgentTaskStatus from, AgentTaskStatus to) => (from, to) switch
    {
        // Dependencies: a task waits (blocked) until they close, and fails with one when the policy says so.
        (AgentTaskStatus.Pending, AgentTaskStatus.Blocked) or (AgentTaskStatus.Blocked, AgentTaskStatus.Pending)
            or (AgentTaskStatus.Pending or AgentTaskStatus.Blocked, AgentTaskStatus.Failed) => TaskParty.Engine,
        // Handing out: the pool's offer, an agent's claim, the owner's assignment; handing on while someone holds it.
        (AgentTaskStatus.Pending, AgentTaskStatus.Assigned)
            => TaskParty.Engine | TaskParty.Claimant | TaskParty.Creator | TaskParty.Operator,
        (AgentTaskStatus.Assigned or AgentTaskStatus.InProgress or AgentTaskStatus.InputRequired or AgentTaskStatus.AwaitingApproval,
            AgentTaskStatus.Assigned) => TaskParty.Creator | TaskParty.Operator | TaskParty.Assignee,
        // Taken back (a lease ran out, the agent went away): queued again, or failed after too many attempts.
        (AgentTaskStatus.Assigned or AgentTaskStatus.InProgress, AgentTaskStatus.Pending) => TaskParty.Engine,
        (AgentTaskStatus.Assigned, AgentTaskStatus.InProgress) => TaskParty.Assignee | TaskParty.Operator,
        (AgentTaskStatus.Assigned or AgentTaskStatus.InProgress, AgentTaskStatus.Completed) => TaskParty.Assignee | TaskParty.Operator,
        (AgentTaskStatus.Assigned or AgentTaskStatus.InProgress, AgentTaskStatus.Failed)
            => TaskParty.Assignee | TaskParty.Operator | TaskParty.Engine,
        // Asking for input and handing in work for approval are the assignee's own: the operator answers and approves.
        (AgentTaskStatus.Assigned or AgentTaskStatus.InProgress, AgentTaskStatus.InputRequired or AgentTaskStatus.AwaitingApproval)
            => TaskParty.Assignee,
        (AgentTaskStatus.InputRequired, AgentTaskStatus.Failed) => TaskParty.Assignee | TaskParty.Operator,
        // Answering, approving and sending back.
        (AgentTaskStatus.InputRequired or AgentTaskStatus.AwaitingApproval, AgentTaskStatus.InProgress)
            => TaskParty.Creator | TaskParty.Operator,
        (AgentTaskStatus.AwaitingApproval, AgentTaskStatus.Completed) => TaskParty.Creator | TaskParty.Operator,
        (_, AgentTaskStatus.Cancelled) when !IsClosed(from) => TaskParty.Creator | TaskParty.Operator,
        _ => TaskParty.None,
    };

    /// <summary>
    /// The call a move needs because it carries more than a status (a question, an answer, a decision); null for moves a
    /// plain status update makes.
    /// </summary>
    public static string? OwnCall(AgentTaskStatus from, AgentTaskStatus to) => (from, to) switch
    {
        (_, AgentTaskStatus.Assigned) when WhoMay(from, to) != TaskParty.None => "assign (or claim)",
        (_, AgentTaskStatus.InputRequired) => "request_input",
        (AgentTaskStatus.InputRequired, AgentTaskStatus.InProgress) => "provide_input",
        (AgentTaskStatus.AwaitingApproval, AgentTaskStatus.Completed) => "approve",
        (AgentTaskStatus.AwaitingApproval, AgentTaskStatus.InProgress) => "send_back",
        _ => null,
    };

    /// <summary>
    /// Refuses the move unless it exists (else conflict) and the caller is one of those who may make it (else
    /// forbidden). Checks only: nothing changes.
    /// </summary>
    public static void Check(Guid id, AgentTaskStatus from, AgentTaskStatus to, TaskRoles roles)
    {
        var who = WhoMay(from, to);
        if ((who & ~TaskParty.Engine) == TaskParty.None)
        {
            throw AgentChannelException.Conflict($"Task {id} cannot move from {Wire(from)} to {Wire(to)}.");
        }
        if (!roles.IsAny(who))
        {
            throw AgentChannelException.Forbidden($"Only {Describe(who & ~TaskParty.Engine)} may move task {id} from {Wire(from)} to {Wire(to)}.");
        }
    }

    /// <summary>
    /// The grain's own guard on a move it makes for <paramref name="party"/> (the engine, a claim): the table is the
    /// whole machine, so a move it lacks is a bug in the grain, never the caller's error.
    /// </summary>
    public static void Require(AgentTaskStatus from, AgentTaskStatus to, TaskParty party)
    {
        if (from != to && !WhoMay(from, to).HasFlag(party))
        {
            throw new InvalidOperationException($"The task status machine has no move from {Wire(from)} to {Wire(to)} for {party}.");
        }
    }

    /// <summary>Where a completion by the caller leads: awaiting approval when the task requires it and the caller is not the operator.</summary>
    public static AgentTaskStatus CompletionOf(bool requiresApproval, TaskRoles roles) =>
        requiresApproval && !roles.IsOperator ? AgentTaskStatus.AwaitingApproval : AgentTaskStatus.Completed;

    /// <summary>Waiting on a person, not on the assignee: the lease is paused and the task is not taken back.</summary>
    public static bool IsWaitingOnHuman(AgentTaskStatus status) =>
        status is AgentTaskStatus.InputRequired or AgentTaskStatus.AwaitingApproval;

    public static bool IsClosed(AgentTaskStatus status) =>
        status is AgentTaskStatus.Completed or AgentTaskStatus.Failed or AgentTaskStatus.Cancelled;

    /// <summary>Statuses in which the assignee holds the task (its slot counts against the agent's limit).</summary>
    public static IReadOnlyList<AgentTaskStatus> Held { get; } =
        [AgentTaskStatus.Assigned, AgentTaskStatus.InProgress, AgentTaskStatus.InputRequired, AgentTaskStatus.AwaitingApproval];

    /// <summary><see cref="Held"/> as a SQL list of wire names, for the queries of both engines.</summary>
    public static string HeldSqlList { get; } = string.Join(", ", Held.Select(status => $"'{Wire(status)}'"));

    private static string Describe(TaskParty who) => who switch
    {
        TaskParty.Assignee => "the task's assignee",
        TaskParty.Assignee | TaskParty.Operator => "the task's assignee or the operator",
        TaskParty.Creator | TaskParty.Operator => "the task's creator or the operator",
        _ => "its parties",
    };

    private static string Wire(AgentTaskStatus status) => AgentChannelJson.WireName(status);
}
