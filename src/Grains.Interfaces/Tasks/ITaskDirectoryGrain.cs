using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;

namespace Orleans.AgentChannel.Tasks;

/// <summary>Cross-task reads served from the query tables.</summary>
[Alias("agentchannel.task-directory")]
public interface ITaskDirectoryGrain : IGrainWithIntegerKey
{
    [AgentAccess(AgentAccess.AnyAgent)]
    [Alias("list"), RetrySafe]
    Task<TaskPage> List(TaskQuery query);

    /// <summary>How many tasks are in each status; a status with no tasks is left out.</summary>
    [AgentAccess(AgentAccess.AnyAgent)]
    [Alias("count-by-status"), RetrySafe]
    Task<IReadOnlyDictionary<AgentTaskStatus, int>> CountByStatus();

    /// <summary>
    /// Gives the caller the best waiting task it is capable of (highest priority, then oldest), or null.
    /// Atomic: the task's grain decides, so two agents never get the same task. With a key, the task claimed remembers
    /// it: a repeat while the caller still holds that task gets it again instead of a second one.
    /// </summary>
    [Alias("claim")]
    Task<TaskInfo?> Claim(Caller caller, IdempotencyKey? idempotencyKey = null);
}
