using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Tasks;

/// <summary>Who the caller is to a task, worked out once per call: every rule of <see cref="TaskGrain"/> asks this.</summary>
internal readonly record struct TaskRoles(bool IsOperator, bool IsCreator, bool IsAssignee, bool WasAssignee)
{
    public static TaskRoles Of(Caller caller, TaskState task) => new(
        caller.IsOperator,
        caller.Is(task.Creator),
        task.CurrentAssignment is { } current && caller.Is(current.Agent),
        task.Assignments.Any(assignment => caller.Is(assignment.Agent)));

    /// <summary>The creator or the operator: they edit, cancel, assign, answer questions and decide on approvals.</summary>
    public bool IsOwner => IsOperator || IsCreator;

    public bool IsAny(TaskParty parties) =>
        (parties.HasFlag(TaskParty.Assignee) && IsAssignee)
        || (parties.HasFlag(TaskParty.Creator) && IsCreator)
        || (parties.HasFlag(TaskParty.Operator) && IsOperator);
}
