using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// Who holds the task: claims, the assignment pool's offers, the fence of an assignment id, leases and their renewal,
/// taking the task back, and its place in the pool's queue.
/// </summary>
public sealed partial class TaskGrain
{
    /// <summary>Who assigned a task the assignment pool handed out (<see cref="TaskAssignment.AssignedBy"/>).</summary>
    private const string EngineAssigner = "engine";

    private IGrainTimer? _leaseTimer;

    public async Task<TaskInfo?> Claim(Caller caller, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "task:claim");
        if (ledger.TryReplay<TaskInfo>(Current.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        RequireCreated();
        if (caller.IsOperator)
        {
            throw AgentChannelException.Invalid("caller", "Only agents claim tasks.");
        }
        if (Current.Status != AgentTaskStatus.Pending)
        {
            return null;
        }
        var agent = await RequireAgent(caller.Name, "caller");
        CheckCanTake(agent, TaskRequirements.Capabilities(Current.Requirements), force: false);
        var agentGrain = GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(agent.Name));
        if (!await agentGrain.ReserveSlot(Id, force: false))
        {
            throw AgentChannelException.Conflict($"'{agent.Name}' already holds its limit of {Options.MaxActivePerAgent} tasks.");
        }
        var now = clock.GetUtcNow();
        TaskTransitions.Require(Current.Status, AgentTaskStatus.Assigned, TaskParty.Claimant);
        AddAssignment(agent.Name, agent.Name, now);
        Current.UpdatedAt = now;
        var info = await SaveWithNotices(caller, previous: null, keyed: keyed);
        await Tell(info);
        return info;
    }

    public async Task<EngineOffer> Offer(string agentName, string poolKey, DateTimeOffset decidedAt)
    {
        var agentGrain = GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(agentName));
        var required = Current.Created ? TaskRequirements.Capabilities(Current.Requirements) : [];
        // A task whose requirements changed waits in its new queue; the old queue must just drop it.
        if (!Current.Created || Current.Status != AgentTaskStatus.Pending || TaskRequirements.PoolKey(required) != poolKey)
        {
            if (!(Current.CurrentAssignment is { } held && AgentNames.Equal(held.Agent, agentName)))
            {
                await agentGrain.ReleaseSlot(Id);
            }
            return EngineOffer.NotWaiting;
        }
        if (await StillMayTake(agentGrain, required) is not { } agent)
        {
            return EngineOffer.Refused;
        }
        TaskTransitions.Require(Current.Status, AgentTaskStatus.Assigned, TaskParty.Engine);
        AddAssignment(agent.Name, EngineAssigner, decidedAt);
        Current.UpdatedAt = clock.GetUtcNow();
        var info = await SaveWithNotices(Caller.Operator, previous: null);
        await Tell(info);
        return EngineOffer.Assigned;
    }

    /// <summary>
    /// The agent the engine reserved a slot of, if it may still take the task (the listing the pool chose from may lag a
    /// status change); otherwise its slot goes back and null.
    /// </summary>
    private async Task<AgentInfo?> StillMayTake(IAgentGrain agentGrain, IReadOnlyList<string> required)
    {
        if (await agentGrain.Get() is { } agent && AssignmentPolicy.MayBeOffered(agent.Status, agent.Capabilities, required))
        {
            return agent;
        }
        await agentGrain.ReleaseSlot(Id);
        return null;
    }

    public Task ExtendLease(string agentName)
    {
        if (Current.CurrentAssignment is { } current && AgentNames.Equal(current.Agent, agentName))
        {
            // Kept in memory: a restart grants a fresh lease anyway, so a state write per heartbeat buys nothing.
            Current.LeaseExpiresAt = clock.GetUtcNow() + Options.Lease;
        }
        return Task.CompletedTask;
    }

    public async Task Release(string agentName, string reason)
    {
        if (Current.CurrentAssignment is { } current && AgentNames.Equal(current.Agent, agentName))
        {
            if (TaskTransitions.IsWaitingOnHuman(Current.Status))
            {
                // Nobody waits on the agent now: it keeps the task (and its slot) until the person acts; the lease
                // restarts then, and runs out as usual if the agent has not come back.
                return;
            }
            await TakeBack(LeaseLostReasons.Released, reason);
        }
        else
        {
            // The agent's slot bookkeeping is stale; this task is not its any more.
            await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(agentName)).ReleaseSlot(Id);
        }
    }

    /// <remarks>
    /// A fresh activation does its duties in <see cref="OnActivateAsync"/>. An activation that was already
    /// running queues a waiting task again anyway: the queue that held it may have died with another silo
    /// (queueing is idempotent, so a second entry is never made).
    /// </remarks>
    public async Task Wake()
    {
        if (Current.Created && Current.Status == AgentTaskStatus.Pending)
        {
            await Enqueue();
        }
        if (Current.Notices.Count > 0)
        {
            RetryNoticesSoon(TimeSpan.Zero);
        }
    }

    /// <summary>
    /// The backstop's tick. A fresh activation has already done its duties (<see cref="OnActivateAsync"/>); a running one
    /// queues a waiting task again (its queue may have died with another silo) and looks at its dependencies again
    /// (a dependency's closing word may have died with one).
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!HasDutiesInMemory)
        {
            Backstop.Sync();
            return;
        }
        await Wake();
        if (Current.Status == AgentTaskStatus.Blocked)
        {
            await Advance();
        }
    }

    /// <summary>
    /// Fencing: a call that names the assignment it acts under goes ahead only while that is the task's current
    /// assignment; otherwise lease_lost, before any other check, and nothing changes. A call without one is judged by
    /// who the caller is, as before fencing: an assignee acts only while it holds the task.
    /// </summary>
    private void CheckFence(Guid? assignmentId)
    {
        if (assignmentId is not { } given || Current.CurrentAssignment?.Id == given)
        {
            return;
        }
        throw AgentChannelException.LeaseLost(Current.Assignments.LastOrDefault(a => a.Id == given) is { } named
            ? $"Assignment {given} of task {Id} is over ({AgentChannelJson.WireName(named.Status)}): '{named.Agent}' no longer holds the task."
            : $"Task {Id} has no assignment {given}.");
    }

    private static void CheckCanTake(AgentInfo agent, IReadOnlyList<string> required, bool force)
    {
        if (force)
        {
            return;
        }
        if (AssignmentPolicy.RefusalForNamed(agent, required) is { } refusal)
        {
            throw AgentChannelException.Conflict(refusal);
        }
    }

    /// <summary>
    /// Takes the task back from its assignee and queues it again, or fails it after too many attempts. The assignee is
    /// told with task:lease_lost (<paramref name="code"/>, a <see cref="LeaseLostReasons"/> value).
    /// </summary>
    private async Task TakeBack(string code, string reason)
    {
        var now = clock.GetUtcNow();
        var previous = Current.CurrentAssignment;
        var attempts = Current.Attempts + 1;
        var outcome = attempts >= Options.MaxAttempts ? AgentTaskStatus.Failed : AgentTaskStatus.Pending;
        TaskTransitions.Require(Current.Status, outcome, TaskParty.Engine);
        Current.Attempts = attempts;
        EndCurrentAssignment(AssignmentStatus.Released, now);
        if (outcome == AgentTaskStatus.Failed)
        {
            Current.Status = AgentTaskStatus.Failed;
            Current.StatusReason = $"taken back {Current.Attempts} times, the last because {reason}";
        }
        else
        {
            Current.Status = AgentTaskStatus.Pending;
            Current.StatusReason = $"queued again because {reason}";
        }
        Current.UpdatedAt = now;
        var info = await SaveWithNotices(Caller.Operator, previous, (code, $"the task was taken back because {reason}"));
        await AfterChange(Caller.Operator, info, previous?.Agent);
    }

    private void AddAssignment(string agent, string assignedBy, DateTimeOffset now)
    {
        Current.Assignments.Add(new TaskAssignment(Guid.CreateVersion7(now), agent, AssignmentStatus.Assigned, now, null, assignedBy));
        Current.Status = AgentTaskStatus.Assigned;
        Current.StatusReason = null;
        Current.LeaseExpiresAt = now + Options.Lease;
        WatchLease();
    }

    private void EndCurrentAssignment(AssignmentStatus outcome, DateTimeOffset now) =>
        ReplaceCurrentAssignment(a => a with { Status = outcome, CompletedAt = now });

    private void ReplaceCurrentAssignment(Func<TaskAssignment, TaskAssignment> change)
    {
        if (Current.CurrentAssignment is not null)
        {
            Current.Assignments[^1] = change(Current.Assignments[^1]);
        }
    }

    private void WatchLease()
    {
        if (_leaseTimer is not null)
        {
            return;
        }
        var period = TimeSpan.FromTicks(Math.Max(Options.Lease.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks));
        // KeepAlive: an assigned task must stay active to notice when its lease runs out.
        _leaseTimer = this.RegisterGrainTimer(CheckLease, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    private async Task CheckLease(CancellationToken cancellationToken)
    {
        if (Current.CurrentAssignment is null)
        {
            _leaseTimer?.Dispose();
            _leaseTimer = null;
            return;
        }
        // Waiting on a person, the lease is paused: the answer or the decision starts it again (ResumeLease).
        if (!TaskTransitions.IsWaitingOnHuman(Current.Status) && Current.LeaseExpiresAt <= clock.GetUtcNow())
        {
            await TakeBack(LeaseLostReasons.LeaseExpired, "its lease expired");
        }
    }

    private Task Enqueue() => Pool().Enqueue(Id, Current.Priority, Current.CreatedAt);

    private IAssignmentPoolGrain Pool() =>
        GrainFactory.GetGrain<IAssignmentPoolGrain>(TaskRequirements.PoolKey(TaskRequirements.Capabilities(Current.Requirements)));

    /// <summary>
    /// After any change: frees the previous assignee's slot when it no longer holds the task, queues a
    /// waiting task, tells dependents when the task closed, and notifies those concerned.
    /// </summary>
    private async Task AfterChange(Caller caller, TaskInfo info, string? previousAssignee)
    {
        if (previousAssignee is not null && !AgentNames.Equal(previousAssignee, Current.CurrentAssignment?.Agent ?? ""))
        {
            await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(previousAssignee)).ReleaseSlot(Id);
            // The freed agent had what this queue needs; tasks waiting in other queues it serves get it at their next tick.
            await Pool().SlotFreed();
        }
        if (Current.Status == AgentTaskStatus.Pending)
        {
            await Enqueue();
        }
        if (Current.IsClosed)
        {
            foreach (var dependent in Current.Dependents)
            {
                await GrainFactory.GetGrain<ITaskGrain>(dependent).DependencyClosed(Id);
            }
        }
        await Tell(info);
    }

    private async Task<AgentInfo> RequireAgent(string name, string field)
    {
        AgentNames.Require(name, field);
        return await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(name)).Get()
               ?? throw await AgentLookup.Missing(GrainFactory, name, $"No agent named '{name}' ({field}).");
    }
}
