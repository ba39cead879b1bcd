namespace Orleans.AgentChannel.Tasks;

/// <summary>The tasks query table: written by each task grain, read by listings and load counts.</summary>
public interface ITaskIndex
{
    Task Upsert(TaskInfo task);

    Task<TaskPage> List(TaskQuery query);

    /// <summary>Open tasks (assigned or in progress) an agent holds.</summary>
    Task<IReadOnlyList<Guid>> HeldBy(string agentKey);

    /// <summary>Waiting (pending) tasks, highest priority then oldest first.</summary>
    Task<IReadOnlyList<TaskInfo>> Waiting(int limit);

    /// <summary>How many tasks are in each status (statuses with none are left out).</summary>
    Task<IReadOnlyDictionary<AgentTaskStatus, int>> CountByStatus();

    /// <summary>Ids of tasks in any of the given states (for recovery after a restart).</summary>
    Task<IReadOnlyList<Guid>> WithStatus(IReadOnlyList<AgentTaskStatus> statuses);
}
