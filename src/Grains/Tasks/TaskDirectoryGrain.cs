using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Tasks;

// Reentrant: it holds no state, and a stateless worker otherwise serves one call at a time (see MessagesGrain).
[StatelessWorker, Reentrant]
public sealed class TaskDirectoryGrain(ITaskIndex index, IOptions<LimitsOptions> limits, TimeProvider clock) : Grain, ITaskDirectoryGrain
{
    /// <summary>Waiting tasks a claim looks through, most urgent first.</summary>
    private const int ClaimWindow = 200;

    public async Task<TaskPage> List(TaskQuery query)
    {
        var page = await index.List(query with { Limit = Validation.Limit(query.Limit, limits.Value.MaxPageSize) });
        var now = clock.GetUtcNow();
        // Overdue depends on the clock, not on the stored document; a document stored before assignment_id existed lacks it.
        return page with
        {
            Items = [.. page.Items.Select(task => task with { Overdue = IsOverdue(task, now), AssignmentId = task.AssignmentId ?? CurrentAssignment(task) })],
        };
    }

    public Task<IReadOnlyDictionary<AgentTaskStatus, int>> CountByStatus() => index.CountByStatus();

    public async Task<TaskInfo?> Claim(Caller caller, IdempotencyKey? idempotencyKey = null)
    {
        if (caller.IsOperator)
        {
            throw AgentChannelException.Invalid("caller", "Only agents claim tasks.");
        }
        if (idempotencyKey is not null)
        {
            // The key is stored by the task it claimed, which the caller then holds: asking its held tasks finds a
            // repeat (a task not waiting answers a claim with null and changes nothing).
            foreach (var held in await index.HeldBy(AgentNames.Key(caller.Name)))
            {
                if (await GrainFactory.GetGrain<ITaskGrain>(held).Claim(caller, idempotencyKey) is { } replayed)
                {
                    return replayed;
                }
            }
        }
        var agent = await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(caller.Name)).Get()
                    ?? throw await AgentLookup.Missing(GrainFactory, caller.Name, $"No agent named '{caller.Name}'.");
        foreach (var waiting in await index.Waiting(ClaimWindow))
        {
            if (!TaskRequirements.IsCapable(TaskRequirements.Capabilities(waiting.Requirements), agent.Capabilities))
            {
                continue;
            }
            // Null: someone else got it first; try the next one.
            if (await GrainFactory.GetGrain<ITaskGrain>(waiting.Id).Claim(caller, idempotencyKey) is { } claimed)
            {
                return claimed;
            }
        }
        return null;
    }

    private static Guid? CurrentAssignment(TaskInfo task) =>
        task.Assignments.Count > 0 && task.Assignments[^1].Status is AssignmentStatus.Assigned or AssignmentStatus.InProgress
            ? task.Assignments[^1].Id
            : null;

    private static bool IsOverdue(TaskInfo task, DateTimeOffset now) =>
        task.DueDate is { } due && due < now
        && task.Status is not (AgentTaskStatus.Completed or AgentTaskStatus.Failed or AgentTaskStatus.Cancelled);
}
