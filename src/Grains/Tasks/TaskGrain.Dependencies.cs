using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// Dependencies: checking them (existing, bounded, no cycles), holding a task back until they close, and
/// telling dependents when this task closes.
/// </summary>
public sealed partial class TaskGrain
{
    public Task<bool> HasRoomForDependent(Guid dependent) =>
        Task.FromResult(Current.Dependents.Contains(dependent) || Current.Dependents.Count < limits.Value.MaxDependents);

    public async Task AddDependent(Guid dependent)
    {
        if (!Current.Dependents.Contains(dependent))
        {
            Current.Dependents.Add(dependent);
            await SaveAsync();
        }
        if (Current.IsClosed)
        {
            await GrainFactory.GetGrain<ITaskGrain>(dependent).DependencyClosed(Id);
        }
    }

    public async Task DependencyClosed(Guid dependency)
    {
        if (Current.Created && Current.Status == AgentTaskStatus.Blocked)
        {
            var before = Current.Status;
            await Advance(save: false);
            if (Current.Status == before)
            {
                await SaveAsync();
                return;
            }
            var info = await SaveWithNotices(Caller.Operator, previous: null);
            await AfterChange(Caller.Operator, info, previousAssignee: null);
        }
    }

    /// <summary>Moves a blocked or waiting task as far as its dependencies allow.</summary>
    private async Task Advance(Caller? caller = null, bool save = true)
    {
        if (Current.Status is not (AgentTaskStatus.Blocked or AgentTaskStatus.Pending))
        {
            return;
        }
        var (open, failed) = await DependencyStates();
        var now = clock.GetUtcNow();
        var next = failed is not null && Options.DependencyFailure == DependencyFailurePolicy.Fail ? AgentTaskStatus.Failed
            : failed is not null || open > 0 ? AgentTaskStatus.Blocked
            : AgentTaskStatus.Pending;
        TaskTransitions.Require(Current.Status, next, TaskParty.Engine);
        if (next == AgentTaskStatus.Failed && failed is not null)
        {
            Current.StatusReason = $"dependency {failed.Id} {Wire(failed.Status)}";
            Current.Status = AgentTaskStatus.Failed;
        }
        else if (next == AgentTaskStatus.Blocked)
        {
            Current.Status = AgentTaskStatus.Blocked;
            Current.StatusReason = failed is not null
                ? $"dependency {failed.Id} {Wire(failed.Status)}"
                : $"waiting for {open} dependenc{(open == 1 ? "y" : "ies")}";
        }
        else
        {
            // Every wait before any change: a wait that throws then leaves nothing of the change in memory, where the
            // next call would find it without it ever having been stored.
            var (assignee, assignedBy) = Current.IntendedAssignee is { } intended
                ? (await ReservedForIntended(intended), caller?.Name ?? Current.Creator)
                // Without save, the caller stores the change with its notices: one write, already assigned, instead of
                // a write that queues the task and a second when the engine's offer lands.
                : (save ? null : await AgentFreeAtOnce(), EngineAssigner);
            Current.StatusReason = null;
            Current.Status = AgentTaskStatus.Pending;
            Current.IntendedAssignee = null;
            if (assignee is not null)
            {
                TaskTransitions.Require(Current.Status, AgentTaskStatus.Assigned, TaskParty.Engine);
                AddAssignment(assignee, assignedBy, now);
            }
        }
        Current.UpdatedAt = now;
        if (save)
        {
            await SaveAsync();
        }
        if (Current.Status == AgentTaskStatus.Pending)
        {
            await Enqueue();
        }
    }

    /// <summary>
    /// An agent the engine would hand this waiting task to right now (nothing waits ahead of it in its queue), its slot
    /// reserved for the task (given back if the change is then not stored: <see cref="SaveWithNotices"/>); null when the
    /// task must wait.
    /// </summary>
    private async Task<string?> AgentFreeAtOnce()
    {
        var waiting = Current.ToInfo(Id, clock.GetUtcNow()) with { Status = AgentTaskStatus.Pending, StatusReason = null };
        return await Pool().AssignAtOnce(waiting) is { } chosen
            ? (await StillMayTake(GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(chosen)), TaskRequirements.Capabilities(Current.Requirements)))?.Name
            : null;
    }

    /// <summary>The agent named by <c>assign_to</c>, its slot reserved, or null when it is no longer registered.</summary>
    private async Task<string?> ReservedForIntended(string intended)
    {
        var agentGrain = GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(intended));
        return await agentGrain.Get() is not null && await agentGrain.ReserveSlot(Id, force: true) ? intended : null;
    }

    private async Task<(int Open, TaskInfo? Failed)> DependencyStates()
    {
        var dependencies = await Task.WhenAll(Current.DependsOn.Select(id => GrainFactory.GetGrain<ITaskGrain>(id).Get()));
        return (dependencies.Count(d => !TaskTransitions.IsClosed(d.Status)),
                dependencies.FirstOrDefault(d => d.Status is AgentTaskStatus.Failed or AgentTaskStatus.Cancelled));
    }

    private async Task<List<Guid>> ValidDependencies(IReadOnlyList<Guid>? dependsOn)
    {
        var ids = (dependsOn ?? []).Distinct().ToList();
        if (ids.Contains(Id))
        {
            throw AgentChannelException.Invalid("depends_on", "A task cannot depend on itself.");
        }
        if (ids.Count > limits.Value.MaxDependencies)
        {
            throw AgentChannelException.Invalid("depends_on",
                $"'depends_on' names {ids.Count} tasks; a task may depend on at most {limits.Value.MaxDependencies}.");
        }
        foreach (var id in ids)
        {
            try
            {
                await GrainFactory.GetGrain<ITaskGrain>(id).Get();
            }
            catch (AgentChannelException error) when (error.Code == ErrorKind.NotFound)
            {
                throw AgentChannelException.Invalid("depends_on", $"'depends_on' names task {id}, which does not exist.");
            }
            if (!await GrainFactory.GetGrain<ITaskGrain>(id).HasRoomForDependent(Id))
            {
                throw AgentChannelException.Invalid("depends_on",
                    $"'depends_on' names task {id}, which already has {limits.Value.MaxDependents} dependents, the most a task may have.");
            }
        }
        return ids;
    }

    /// <summary>
    /// Refuses dependencies from which this task can be reached again, asking the <see cref="IDependencyGateGrain"/>
    /// (one query on the task index however long the way, never a call to each task on it; changes in flight checked
    /// one at a time, so two updates that each close half of a cycle cannot both pass). On success the change is
    /// reserved until <see cref="ReleaseDependencyCheck"/>: the caller releases it once the change is stored or given up.
    /// </summary>
    private async Task ReserveWithoutCycles(List<Guid> dependsOn)
    {
        if (!await DependencyGate.Reserve(Id, dependsOn))
        {
            throw AgentChannelException.Invalid("depends_on", $"These dependencies would make a cycle through task {Id}.");
        }
    }

    private Task ReleaseDependencyCheck() => DependencyGate.Release(Id);

    private IDependencyGateGrain DependencyGate => GrainFactory.GetGrain<IDependencyGateGrain>(0);
}
