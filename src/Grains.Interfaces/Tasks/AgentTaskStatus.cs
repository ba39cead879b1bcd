namespace Orleans.AgentChannel.Tasks;

[GenerateSerializer, Alias("task-status")]
public enum AgentTaskStatus
{
    Pending,
    Blocked,
    Assigned,
    InProgress,
    Completed,
    Failed,
    Cancelled,

    /// <summary>
    /// The assignee asked a question (<see cref="TaskInfo.InputRequest"/>) and waits for the creator or the operator to
    /// answer; it keeps the task, and its lease is paused. A2A's <c>input-required</c>.
    /// </summary>
    InputRequired,

    /// <summary>
    /// The assignee completed a task that requires approval: the creator or the operator approves it (completed) or
    /// sends it back (in_progress). The assignee keeps it meanwhile, its lease paused; dependents wait.
    /// </summary>
    AwaitingApproval,
}
