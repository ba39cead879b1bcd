namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The tasks table: each row holds a task grain's state together with the columns listings, load counts and
/// reports read, so a task's state and what lists show are one write (<see cref="TaskStateStorage"/>).
/// </summary>
public interface ITaskIndex
{
    /// <summary>
    /// Stores the task's serialized grain state and its row (<paramref name="row"/>) in one statement, if the stored
    /// state is still at <paramref name="expectedVersion"/> (0: none stored here yet). Returns the new version;
    /// throws <see cref="Orleans.Storage.InconsistentStateException"/> when another write got there first.
    /// <paramref name="owesNotices"/> marks a task whose state holds inbox events still to deliver.
    /// </summary>
    Task<long> Save(TaskInfo row, byte[] state, long expectedVersion, bool owesNotices);

    /// <summary>Ids of tasks whose stored state holds inbox events still to deliver (for recovery after a restart).</summary>
    Task<IReadOnlyList<Guid>> OwingNotices();

    /// <summary>The task's stored grain state and its version, or null when none is stored here.</summary>
    Task<StoredTaskState?> ReadState(Guid id);

    Task<TaskPage> List(TaskQuery query);

    /// <summary>Open tasks an agent holds (assigned, in progress, or waiting on a person: <see cref="TaskTransitions.Held"/>).</summary>
    Task<IReadOnlyList<Guid>> HeldBy(string agentKey);

    /// <summary>Waiting (pending) tasks, highest priority then oldest first.</summary>
    Task<IReadOnlyList<TaskInfo>> Waiting(int limit);

    /// <summary>How many tasks are in each status (statuses with none are left out).</summary>
    Task<IReadOnlyDictionary<AgentTaskStatus, int>> CountByStatus();

    /// <summary>
    /// Whether <paramref name="target"/> is among the tasks reached by following <c>depends_on</c> from
    /// <paramref name="from"/> (their rows' documents, written with their states), visiting at most
    /// <paramref name="maxTasks"/> tasks: one query, however deep the graph, instead of a call per task.
    /// </summary>
    Task<bool> Reaches(IReadOnlyList<Guid> from, Guid target, int maxTasks);

    /// <summary>Ids of tasks in any of the given states (for recovery after a restart).</summary>
    Task<IReadOnlyList<Guid>> WithStatus(IReadOnlyList<AgentTaskStatus> statuses);
}
