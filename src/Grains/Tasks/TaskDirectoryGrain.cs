using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Tasks;

[StatelessWorker]
public sealed class TaskDirectoryGrain(ITaskIndex index, IOptions<LimitsOptions> limits) : Grain, ITaskDirectoryGrain
{
    public Task<TaskPage> List(TaskQuery query) =>
        index.List(query with { Limit = Validation.Limit(query.Limit, limits.Value.MaxPageSize) });
}
