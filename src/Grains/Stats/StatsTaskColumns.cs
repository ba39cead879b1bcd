using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Stats;

/// <summary>The task columns the reports read, as every store writes them with each task index write.</summary>
public readonly record struct StatsTaskColumns(string Capabilities, long? FirstAssignedAt, long? ClosedAt, int Assignments)
{
    public static StatsTaskColumns Of(TaskInfo task) => new(
        TaskRequirements.PoolKey(TaskRequirements.Capabilities(task.Requirements)),
        task.Assignments.Count > 0 ? task.Assignments[0].AssignedAt.ToUnixTimeMilliseconds() : null,
        task.Status is AgentTaskStatus.Completed or AgentTaskStatus.Failed or AgentTaskStatus.Cancelled
            ? (task.CompletedAt ?? task.UpdatedAt).ToUnixTimeMilliseconds()
            : null,
        task.Assignments.Count);
}
