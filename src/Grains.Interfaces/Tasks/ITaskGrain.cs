using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Tasks;

/// <summary>One task, keyed by its id: its fields, its status machine and its assignment history.</summary>
[Alias("agentchannel.task")]
public interface ITaskGrain : IGrainWithGuidKey
{
    /// <summary>Creates the task with the caller as creator, assigning it at once when AssignTo is set.</summary>
    [Alias("create")]
    Task<TaskInfo> Create(Caller caller, NewTask task);

    /// <summary>The task; throws not_found when it was never created.</summary>
    [AlwaysInterleave, Alias("get")]
    Task<TaskInfo> Get();

    /// <summary>Changes fields or status; the creator, the assignee or the operator may.</summary>
    [Alias("update")]
    Task<TaskInfo> Update(Caller caller, TaskUpdate update);

    /// <summary>Assigns (or re-assigns) the task to a registered agent.</summary>
    [Alias("assign")]
    Task<TaskInfo> Assign(Caller caller, string agentName);

    /// <summary>Marks the task completed with a result; only its assignee (or the operator) may.</summary>
    [Alias("complete")]
    Task<TaskInfo> Complete(Caller caller, RawJson? result);
}

/// <summary>Cross-task reads served from the query tables.</summary>
[Alias("agentchannel.task-directory")]
public interface ITaskDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("list")]
    Task<TaskPage> List(TaskQuery query);
}
