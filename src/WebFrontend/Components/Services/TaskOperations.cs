using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>Task reads and the operator's task actions; the task grains decide what is allowed.</summary>
public sealed class TaskOperations(IGrainFactory grains, TimeProvider time)
{
    public Task<TaskPage> List(TaskQuery query) => grains.GetGrain<ITaskDirectoryGrain>(0).List(query);

    public Task<IReadOnlyDictionary<AgentTaskStatus, int>> CountByStatus() => grains.GetGrain<ITaskDirectoryGrain>(0).CountByStatus();

    public Task<TaskInfo> Get(Guid id) => grains.GetGrain<ITaskGrain>(id).Get();

    /// <summary>Creates the task with the operator as its creator (ids are time-ordered, as over REST).</summary>
    public Task<TaskInfo> Create(NewTask task) => grains.GetGrain<ITaskGrain>(Guid.CreateVersion7(time.GetUtcNow())).Create(Caller.Operator, task);

    public Task<TaskInfo> Assign(Guid id, string agentName) => grains.GetGrain<ITaskGrain>(id).Assign(Caller.Operator, agentName);

    public Task<TaskInfo> Cancel(Guid id) =>
        grains.GetGrain<ITaskGrain>(id).Update(Caller.Operator, new TaskUpdate(Status: AgentTaskStatus.Cancelled));

    public Task<TaskInfo> Complete(Guid id, RawJson? result = null) => grains.GetGrain<ITaskGrain>(id).Complete(Caller.Operator, result);

    public Task<TaskInfo> ProvideInput(Guid id, string answer) => grains.GetGrain<ITaskGrain>(id).ProvideInput(Caller.Operator, answer);

    public Task<TaskInfo> Approve(Guid id, string? comment = null) => grains.GetGrain<ITaskGrain>(id).Approve(Caller.Operator, comment);

    public Task<TaskInfo> SendBack(Guid id, string comment) => grains.GetGrain<ITaskGrain>(id).SendBack(Caller.Operator, comment);
}
