using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;
using Orleans.Runtime;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The single owner of a task. Status moves blocked (while a dependency is open) → pending (waiting for
/// the engine or a claim) → assigned → in_progress → completed | failed; any open task may be cancelled. A person in
/// the loop: the assignee may ask for input (input_required until answered), and a task that requires approval
/// waits in awaiting_approval after its completion until approved or sent back (TaskGrain.HumanInTheLoop.cs).
/// The moves and who may make them: <see cref="TaskTransitions"/>.
/// Every move is recorded with timestamps and told to those concerned. An assignment holds a lease that
/// the assignee's heartbeats and progress extend; when it runs out, or the agent goes offline, the task
/// goes back to the queue, and after too many attempts it fails.
/// </summary>
public sealed partial class TaskGrain(
    [PersistentState("task", TaskStateStorage.Name)] IPersistentState<TaskState> state,
    IOptions<LimitsOptions> limits,
    IOptions<TaskOptions> options,
    IOptions<RecoveryOptions> recovery,
    IdempotencyLedger ledger,
    TimeProvider clock,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain, IRemindable
{
    /// <summary>Most tasks a dependency check walks before it gives up looking for a cycle.</summary>
    private const int MaxDependencyWalk = 10_000;

    private static readonly TimeSpan NoticeRetryInterval = TimeSpan.FromSeconds(1);

    private IGrainTimer? _leaseTimer;
    private IGrainTimer? _noticeTimer;
    private Backstop? _backstop;

    private TaskState Current => state.State;

    private Guid Id => this.GetPrimaryKey();

    private TaskOptions Options => options.Value;

    /// <summary>Held while the task is open or owes inbox events: its queue place, lease and dependencies outlive a dead silo.</summary>
    private Backstop Backstop => _backstop ??= new Backstop(this, "task", recovery.Value.ReminderPeriod, () => HasDutiesInMemory, logger);

    private bool HasDutiesInMemory => Current.Created && (!Current.IsClosed || Current.Notices.Count > 0);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!Current.Created)
        {
            Backstop.AssumeAbsent();
        }
        else if (HasDutiesInMemory)
        {
            Backstop.Sync();
        }
        if (Current.Notices.Count > 0)
        {
            // Owed by a change stored before a failure or a restart: delivered once the activation is done.
            RetryNoticesSoon(TimeSpan.Zero);
        }
        if (!Current.Created || Current.IsClosed)
        {
            return;
        }
        switch (Current.Status)
        {
            case AgentTaskStatus.Pending:
                await Enqueue();
                break;
            case AgentTaskStatus.Blocked:
                await Advance();
                break;
            case AgentTaskStatus.InputRequired or AgentTaskStatus.AwaitingApproval:
                // The lease is paused while a person is asked; the answer or the decision restarts it.
                break;
            case AgentTaskStatus.Assigned or AgentTaskStatus.InProgress:
                // After a restart the assignee gets a full lease to come back before its task is taken back.
                var grace = clock.GetUtcNow() + Options.Lease;
                Current.LeaseExpiresAt = Current.LeaseExpiresAt > grace ? Current.LeaseExpiresAt : grace;
                WatchLease();
                break;
        }
    }

    public async Task<TaskInfo> Create(Caller caller, NewTask task, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "task:create", task);
        if (ledger.TryReplay<TaskInfo>(Current.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        if (idempotencyKey is not null && idempotencyKey.DerivedId(KeyedIds.Task, caller) != Id)
        {
            // Only the derived id lets a repeat whose first answer was lost find the task the first attempt made.
            throw AgentChannelException.Invalid(IdempotencyKey.Field, "A keyed task must have the id derived from its creator and key.");
        }
        if (Current.Created)
        {
            throw AgentChannelException.Conflict($"Task {Id} already exists.");
        }
        if (task.Force && !caller.IsOperator)
        {
            throw AgentChannelException.Forbidden("Only the operator may force an assignment.");
        }
        var now = clock.GetUtcNow();
        Current.Title = Validation.RequireText(task.Title, "title", limits.Value.MaxTitleChars);
        Current.Description = Validation.LimitText(task.Description ?? "", "description", limits.Value.MaxDescriptionChars);
        Current.Priority = ValidPriority(task.Priority ?? TaskPriorities.Default);
        Current.DueDate = task.DueDate;
        Current.RequiresApproval = task.RequiresApproval;
        Current.Requirements = Validation.ObjectOrEmpty(task.Requirements, "requirements", limits.Value.MaxRequirementsBytes);
        var required = TaskRequirements.Capabilities(Current.Requirements);
        Current.DependsOn = await ValidDependencies(task.DependsOn);
        AgentInfo? assignee = null;
        if (task.AssignTo is not null)
        {
            assignee = await RequireAgent(task.AssignTo, "assign_to");
            CheckCanTake(assignee, required, task.Force);
        }
        Current.Creator = caller.Name;
        Current.CreatedAt = now;
        Current.UpdatedAt = now;
        Current.Status = AgentTaskStatus.Blocked;
        Current.IntendedAssignee = assignee?.Name;
        Current.Created = true;
        Current.TraceParent = AgentChannelTracing.CurrentTraceParent();
        TaskInfo info;
        try
        {
            await Advance(caller, save: false);
            info = await SaveWithNotices(caller, previous: null, keyed: keyed);
        }
        catch
        {
            // Half-built in memory but never stored: start again from storage on the next call.
            DeactivateOnIdle();
            throw;
        }
        foreach (var dependency in Current.DependsOn)
        {
            await GrainFactory.GetGrain<ITaskGrain>(dependency).AddDependent(Id);
        }
        await Tell(info);
        return info;
    }

    public Task<TaskInfo> Get() => Task.FromResult(RequireCreated().ToInfo(Id, clock.GetUtcNow()));

    public async Task<TaskInfo> Update(Caller caller, TaskUpdate update, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "task:update", update);
        if (ledger.TryReplay<TaskInfo>(Current.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        RequireCreated();
        CheckFence(update.AssignmentId);
        var roles = TaskRoles.Of(caller, Current);
        var (isCreator, isAssignee) = (roles.IsOwner, roles.IsAssignee);
        if (!isCreator && !isAssignee)
        {
            throw AgentChannelException.Forbidden("Only the task's creator, its assignee or the operator may update it.");
        }
        var editsFields = update.Title is not null || update.Description is not null || update.Priority is not null
                          || update.DueDate is not null || update.Requirements is not null || update.DependsOn is not null;
        if (editsFields && !isCreator)
        {
            throw AgentChannelException.Forbidden("Only the task's creator or the operator may edit its fields.");
        }
        if (editsFields && Current.IsClosed)
        {
            throw AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)} and can no longer be edited.");
        }
        if ((update.Result is not null || update.Artifacts is { Count: > 0 }) && (Current.IsClosed || !(isAssignee || caller.IsOperator)))
        {
            throw Current.IsClosed
                ? AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)}; its result can no longer change.")
                : AgentChannelException.Forbidden("Only the task's assignee or the operator may set its result.");
        }

        // Validate everything before changing anything: a refused update leaves the task as it was.
        var title = update.Title is null ? null : Validation.RequireText(update.Title, "title", limits.Value.MaxTitleChars);
        var description = update.Description is null ? null : Validation.LimitText(update.Description, "description", limits.Value.MaxDescriptionChars);
        var priority = update.Priority is null ? (int?)null : ValidPriority(update.Priority.Value);
        var requirements = update.Requirements is null ? (RawJson?)null
            : Validation.ObjectOrEmpty(update.Requirements, "requirements", limits.Value.MaxRequirementsBytes);
        if (requirements is { } newRequirements)
        {
            TaskRequirements.Capabilities(newRequirements);
        }
        var result = update.Result is null ? (RawJson?)null
            : Validation.LimitJson(update.Result.Value, "result", limits.Value.MaxTaskResultBytes);
        var artifacts = await AttachableArtifacts(caller, update.Artifacts);
        List<Guid>? dependsOn = null;
        if (update.DependsOn is not null)
        {
            if (Current.Status is not (AgentTaskStatus.Pending or AgentTaskStatus.Blocked))
            {
                throw AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)}; dependencies change only before it is assigned.");
            }
            dependsOn = await ValidDependencies(update.DependsOn);
            await RejectCycles(dependsOn);
        }
        var targetStatus = update.Status == AgentTaskStatus.Completed && Current.Status is AgentTaskStatus.Assigned or AgentTaskStatus.InProgress
            ? TaskTransitions.CompletionOf(Current.RequiresApproval, roles)
            : update.Status;
        if (targetStatus is { } target && target != Current.Status)
        {
            if (TaskTransitions.OwnCall(Current.Status, target) is { } call)
            {
                throw AgentChannelException.Conflict(
                    $"Task {Id} moves from {Wire(Current.Status)} to {Wire(target)} only through {call}, which carries what the move needs.");
            }
            TaskTransitions.Check(Id, Current.Status, target, roles);
        }

        var now = clock.GetUtcNow();
        var previous = Current.CurrentAssignment;
        Current.Title = title ?? Current.Title;
        Current.Description = description ?? Current.Description;
        Current.Priority = priority ?? Current.Priority;
        Current.DueDate = update.DueDate ?? Current.DueDate;
        Current.Requirements = requirements ?? Current.Requirements;
        Current.Result = result ?? Current.Result;
        AttachArtifacts(artifacts);
        if (isAssignee)
        {
            // Progress from the assignee is a sign of life: its lease starts over.
            Current.LeaseExpiresAt = now + Options.Lease;
        }
        var newDependencies = dependsOn?.Except(Current.DependsOn).ToList() ?? [];
        if (dependsOn is not null)
        {
            Current.DependsOn = dependsOn;
            Current.Status = AgentTaskStatus.Blocked;
        }
        var handedIn = false;
        if (targetStatus is { } status && status != Current.Status)
        {
            MoveTo(status, now);
            handedIn = status == AgentTaskStatus.AwaitingApproval;
        }
        Current.UpdatedAt = now;
        if (dependsOn is not null || priority is not null)
        {
            await Advance(caller, save: false);
        }
        var info = await SaveWithNotices(caller, previous, keyed: keyed,
            announce: handedIn ? (EventNames.TaskAwaitingApproval, Current.Creator) : null);
        foreach (var dependency in newDependencies)
        {
            await GrainFactory.GetGrain<ITaskGrain>(dependency).AddDependent(Id);
        }
        await AfterChange(caller, info, previous?.Agent);
        return info;
    }

    public async Task<TaskInfo> Assign(Caller caller, string agentName, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "task:assign", agentName);
        if (ledger.TryReplay<TaskInfo>(Current.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        RequireCreated();
        var roles = TaskRoles.Of(caller, Current);
        if (!roles.IsOwner && !roles.IsAssignee)
        {
            throw AgentChannelException.Forbidden("Only the task's creator, its assignee (handing it on) or the operator may assign it.");
        }
        if (Current.IsClosed)
        {
            throw AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)} and cannot be assigned.");
        }
        var assignee = await RequireAgent(agentName, "agent");
        if (Current.CurrentAssignment is { } held && AgentNames.Equal(held.Agent, assignee.Name))
        {
            return Current.ToInfo(Id, clock.GetUtcNow());
        }
        CheckCanTake(assignee, TaskRequirements.Capabilities(Current.Requirements), force: caller.IsOperator);
        var now = clock.GetUtcNow();
        var previous = Current.CurrentAssignment;
        if (Current.Status == AgentTaskStatus.Blocked)
        {
            // It waits for its dependencies; it goes to this agent when they are done.
            Current.IntendedAssignee = assignee.Name;
        }
        else
        {
            await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(assignee.Name)).ReserveSlot(Id, force: true);
            EndCurrentAssignment(AssignmentStatus.Reassigned, now);
            AddAssignment(assignee.Name, caller.Name, now);
        }
        Current.UpdatedAt = now;
        var info = await SaveWithNotices(caller, previous, keyed: keyed);
        await AfterChange(caller, info, previous?.Agent);
        return info;
    }

    public async Task<TaskInfo> Complete(Caller caller, RawJson? result, Guid? assignmentId = null, IdempotencyKey? idempotencyKey = null,
        IReadOnlyList<Guid>? artifacts = null)
    {
        // Without artifacts the hash is the one of before (a repeat of a keyed completion stored then still matches).
        var keyed = artifacts is { Count: > 0 }
            ? KeyedWrite.Of(caller, idempotencyKey, "task:complete", result, assignmentId, artifacts)
            : KeyedWrite.Of(caller, idempotencyKey, "task:complete", result, assignmentId);
        if (ledger.TryReplay<TaskInfo>(Current.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        RequireCreated();
        CheckFence(assignmentId);
        if (Current.Status is not (AgentTaskStatus.Assigned or AgentTaskStatus.InProgress))
        {
            throw AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)}; only an assigned or in-progress task can be completed.");
        }
        var roles = TaskRoles.Of(caller, Current);
        if (!roles.IsOperator && !roles.IsAssignee)
        {
            throw roles.WasAssignee
                ? AgentChannelException.Conflict($"'{caller.Name}' no longer holds task {Id}; it was taken back or handed on.")
                : AgentChannelException.Forbidden("Only the task's assignee or the operator may complete it.");
        }
        var validResult = result is null ? (RawJson?)null : Validation.LimitJson(result.Value, "result", limits.Value.MaxTaskResultBytes);
        var validArtifacts = await AttachableArtifacts(caller, artifacts);
        var now = clock.GetUtcNow();
        var previous = Current.CurrentAssignment;
        Current.Result = validResult ?? Current.Result;
        AttachArtifacts(validArtifacts);
        var completion = TaskTransitions.CompletionOf(Current.RequiresApproval, roles);
        MoveTo(completion, now);
        Current.UpdatedAt = now;
        var info = await SaveWithNotices(caller, previous, keyed: keyed,
            announce: completion == AgentTaskStatus.AwaitingApproval ? (EventNames.TaskAwaitingApproval, Current.Creator) : null);
        await AfterChange(caller, info, previous?.Agent);
        return info;
    }

    /// <summary>Artifact ids for the result: valid, and each readable by the caller (who thereby shares it with the task's parties).</summary>
    private async Task<IReadOnlyList<Guid>?> AttachableArtifacts(Caller caller, IReadOnlyList<Guid>? artifacts)
    {
        var ids = Artifacts.ArtifactIds.ValidIds(artifacts);
        if (ids is not null && Current.Artifacts.Union(ids).Count() > Artifacts.ArtifactIds.MaxPerAttachment)
        {
            throw AgentChannelException.TooLarge("artifacts", $"A task carries at most {Artifacts.ArtifactIds.MaxPerAttachment} artifacts.");
        }
        await Artifacts.ArtifactIds.RequireReadable(GrainFactory, caller, ids);
        return ids;
    }

    private void AttachArtifacts(IReadOnlyList<Guid>? artifacts)
    {
        foreach (var artifact in artifacts ?? [])
        {
            if (!Current.Artifacts.Contains(artifact))
            {
                Current.Artifacts.Add(artifact);
            }
        }
    }

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
        var agent = await agentGrain.Get();
        if (agent is null || !AssignmentPolicy.MayBeOffered(agent.Status, agent.Capabilities, required))
        {
            await agentGrain.ReleaseSlot(Id);
            return EngineOffer.Refused;
        }
        AddAssignment(agent.Name, "engine", decidedAt);
        Current.UpdatedAt = clock.GetUtcNow();
        var info = await SaveWithNotices(Caller.Operator, previous: null);
        await Tell(info);
        return EngineOffer.Assigned;
    }

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

    /// <summary>Moves a blocked or waiting task as far as its dependencies allow.</summary>
    private async Task Advance(Caller? caller = null, bool save = true)
    {
        if (Current.Status is not (AgentTaskStatus.Blocked or AgentTaskStatus.Pending))
        {
            return;
        }
        var (open, failed) = await DependencyStates();
        var now = clock.GetUtcNow();
        if (failed is not null && Options.DependencyFailure == DependencyFailurePolicy.Fail)
        {
            Current.StatusReason = $"dependency {failed.Id} {Wire(failed.Status)}";
            Current.Status = AgentTaskStatus.Failed;
        }
        else if (failed is not null || open > 0)
        {
            Current.Status = AgentTaskStatus.Blocked;
            Current.StatusReason = failed is not null
                ? $"dependency {failed.Id} {Wire(failed.Status)}"
                : $"waiting for {open} dependenc{(open == 1 ? "y" : "ies")}";
        }
        else
        {
            Current.StatusReason = null;
            Current.Status = AgentTaskStatus.Pending;
            if (Current.IntendedAssignee is { } intended)
            {
                Current.IntendedAssignee = null;
                var agentGrain = GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(intended));
                if (await agentGrain.Get() is not null && await agentGrain.ReserveSlot(Id, force: true))
                {
                    AddAssignment(intended, caller?.Name ?? Current.Creator, now);
                }
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

    private async Task<(int Open, TaskInfo? Failed)> DependencyStates()
    {
        var dependencies = await Task.WhenAll(Current.DependsOn.Select(id => GrainFactory.GetGrain<ITaskGrain>(id).Get()));
        return (dependencies.Count(d => !IsClosedStatus(d.Status)),
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

    /// <summary>Walks what the new dependencies depend on; reaching this task again would be a cycle.</summary>
    private async Task RejectCycles(IReadOnlyList<Guid> dependsOn)
    {
        var seen = new HashSet<Guid>();
        var frontier = new Queue<Guid>(dependsOn);
        while (frontier.TryDequeue(out var next))
        {
            if (next == Id)
            {
                throw AgentChannelException.Invalid("depends_on", $"These dependencies would make a cycle through task {Id}.");
            }
            if (!seen.Add(next) || seen.Count > MaxDependencyWalk)
            {
                continue;
            }
            foreach (var further in (await GrainFactory.GetGrain<ITaskGrain>(next).Get()).DependsOn)
            {
                frontier.Enqueue(further);
            }
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

    private void MoveTo(AgentTaskStatus status, DateTimeOffset now)
    {
        Current.Status = status;
        if (status != AgentTaskStatus.Failed)
        {
            // A reason explains blocked or failed; it would mislead on any other status.
            Current.StatusReason = null;
        }
        switch (status)
        {
            case AgentTaskStatus.InProgress or AgentTaskStatus.InputRequired or AgentTaskStatus.AwaitingApproval:
                // Waiting on a person, the assignee still holds the task: its assignment is at work, not over.
                ReplaceCurrentAssignment(a => a with { Status = AssignmentStatus.InProgress });
                break;
            case AgentTaskStatus.Completed:
                Current.CompletedAt = now;
                EndCurrentAssignment(AssignmentStatus.Completed, now);
                break;
            case AgentTaskStatus.Failed:
                EndCurrentAssignment(AssignmentStatus.Failed, now);
                break;
            case AgentTaskStatus.Cancelled:
                EndCurrentAssignment(AssignmentStatus.Cancelled, now);
                break;
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
        EndCurrentAssignment(AssignmentStatus.Released, now);
        Current.Attempts++;
        if (Current.Attempts >= Options.MaxAttempts)
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

    private Task Enqueue() => Pool().Enqueue(Id, Current.Priority, Current.CreatedAt);

    private IAssignmentPoolGrain Pool() =>
        GrainFactory.GetGrain<IAssignmentPoolGrain>(TaskRequirements.PoolKey(TaskRequirements.Capabilities(Current.Requirements)));

    /// <summary>
    /// Stores the change together with the inbox events it owes (one write): task:assigned to a new assignee
    /// (whoever assigned it), task:lease_lost to the assignee whose assignment (<paramref name="previous"/>, the
    /// current one before the change) someone else ended, task:updated to the creator and the assignee before the
    /// change, never to the caller. <paramref name="takenBack"/> says why, when the task was taken back. A
    /// <paramref name="keyed"/> write's answer is stored in the same write, and that answer is what the caller gets.
    /// </summary>
    private async Task<TaskInfo> SaveWithNotices(Caller caller, TaskAssignment? previous, (string Reason, string Detail)? takenBack = null,
        KeyedWrite? keyed = null, (string Event, string Recipient)? announce = null)
    {
        using var span = TaskSpan();
        var now = clock.GetUtcNow();
        var previousAssignee = previous?.Agent;
        var info = Current.ToInfo(Id, now);
        var data = RawJson.Serialize(info, AgentChannelJson.Options);
        var newAssignee = info.Status == AgentTaskStatus.Assigned && info.Assignments.Count > 0
                          && info.Assignments[^1].Status == AssignmentStatus.Assigned
                          && !AgentNames.Equal(info.Assignments[^1].Agent, previousAssignee ?? "")
            ? info.Assignments[^1].Agent
            : null;
        if (newAssignee is not null)
        {
            Owe(EventNames.TaskAssigned, data, [newAssignee]);
        }
        // An approval ends the assignment as its agent asked; task:approved says so, not task:lease_lost.
        if (announce?.Event != EventNames.TaskApproved && LostAssignment(caller, previous, takenBack, now) is { } lost)
        {
            // Before task:updated, so the agent reads why it lost the task before the task as it is now.
            Owe(EventNames.TaskLeaseLost, RawJson.Serialize(lost, AgentChannelJson.Options), [lost.Agent]);
        }
        var announced = announce is { } step && !caller.Is(step.Recipient) && !AgentNames.Equal(step.Recipient, Caller.OperatorName)
            ? step
            : ((string Event, string Recipient)?)null;
        if (announced is { } told)
        {
            // Instead of task:updated: the recipient is the one the step waits on (or was waiting for).
            Owe(told.Event, data, [told.Recipient]);
        }
        var watchers = new[] { info.Creator, previousAssignee }
            .OfType<string>()
            // The operator has no inbox.
            .Where(name => !caller.Is(name) && !AgentNames.Equal(name, newAssignee ?? "") && !AgentNames.Equal(name, Caller.OperatorName)
                           && !AgentNames.Equal(name, announced?.Recipient ?? ""))
            .ToList();
        if (watchers.Count > 0)
        {
            Owe(EventNames.TaskUpdated, data, watchers);
        }
        ledger.Record(Current.Idempotency, keyed, info);
        var saved = await SaveAsync();
        return keyed is null ? saved : info;
    }

    /// <summary>
    /// The span of a stored change, named by the status it leaves the task in; in another trace than the task's
    /// creation (an engine assignment, a completion) it links to that creation.
    /// </summary>
    private System.Diagnostics.Activity? TaskSpan()
    {
        if (!AgentChannelTracing.Grains.HasListeners())
        {
            return null;
        }
        var origin = AgentChannelTracing.ParseOrDefault(Current.TraceParent);
        var links = origin != default && origin.TraceId != System.Diagnostics.Activity.Current?.TraceId
            ? new[] { new System.Diagnostics.ActivityLink(origin) }
            : null;
        var span = AgentChannelTracing.Grains.StartActivity($"task {Wire(Current.Status)}", System.Diagnostics.ActivityKind.Internal,
            parentContext: default, links: links);
        span?.SetTag(AgentChannelTracing.TaskIdTag, Id.ToString()).SetTag(AgentChannelTracing.TaskStatusTag, Wire(Current.Status))
            .SetTag(AgentChannelTracing.AgentTag, Current.CurrentAssignment?.Agent).SetTag(AgentChannelTracing.SiloTag, RuntimeIdentity);
        return span;
    }

    /// <summary>The assignment this change ended, when someone other than its agent ended it: what task:lease_lost says.</summary>
    private TaskLeaseLost? LostAssignment(Caller caller, TaskAssignment? previous, (string Reason, string Detail)? takenBack, DateTimeOffset now)
    {
        if (previous is null || caller.Is(previous.Agent)
            || Current.Assignments.LastOrDefault(a => a.Id == previous.Id) is not { } ended
            || ended.Status is AssignmentStatus.Assigned or AssignmentStatus.InProgress)
        {
            return null;
        }
        var (reason, detail) = ended.Status switch
        {
            AssignmentStatus.Released => takenBack ?? (LeaseLostReasons.Released, "the task was taken back"),
            AssignmentStatus.Reassigned => (LeaseLostReasons.Reassigned, $"{caller.Name} assigned the task to {Current.CurrentAssignment?.Agent}"),
            AssignmentStatus.Cancelled => (LeaseLostReasons.Cancelled, $"{caller.Name} cancelled the task"),
            AssignmentStatus.Completed => (LeaseLostReasons.Completed, $"{caller.Name} completed the task"),
            _ => (LeaseLostReasons.Failed, $"{caller.Name} failed the task"),
        };
        return new TaskLeaseLost(Id, ended.Id, ended.Agent, reason, detail, ended.CompletedAt ?? now);
    }

    private void Owe(string eventName, RawJson data, IReadOnlyList<string> recipients) =>
        Current.Notices.Add(new TaskNotice($"task/{Id}/{++Current.NoticesMade}", eventName, data, recipients));

    /// <summary>
    /// Delivers what the stored change owes, stored in the inboxes before the caller hears back; what cannot be
    /// delivered now is retried every second (the change is stored either way, so the caller hears it succeeded).
    /// </summary>
    private async Task Tell(TaskInfo info)
    {
        await DeliverNotices();
        await this.PublishActivity(Id.ToString(), EventNames.TaskUpdated, info);
        Backstop.Sync();
    }

    /// <summary>
    /// Delivers the notices owed; true when none is left. Delivered ones leave the state at its next write. Each inbox
    /// gets one call with its notices in the order they were owed, so an agent reads a task's events in that order
    /// (task:lease_lost before the task:updated of the same change, an older change's events before a newer one's).
    /// </summary>
    private async Task<bool> DeliverNotices()
    {
        var owed = Current.Notices.ToList();
        var inboxes = owed
            .SelectMany(notice => notice.Recipients
                .Where(name => !AgentNames.Equal(name, Caller.OperatorName))
                .Select(name => (Inbox: AgentNames.Key(name), Notice: notice)))
            .GroupBy(entry => entry.Inbox, entry => entry.Notice, StringComparer.Ordinal)
            .Select(inbox =>
            {
                var notices = inbox.Distinct<TaskNotice>(ReferenceEqualityComparer.Instance).ToList();
                return (Notices: notices, Delivery: Deliver(inbox.Key, notices));
            })
            .ToList();
        try
        {
            await Task.WhenAll(inboxes.Select(inbox => inbox.Delivery));
        }
        catch (Exception exception)
        {
            LogNoticesNotDelivered(exception, Id, inboxes.Count(inbox => !inbox.Delivery.IsCompletedSuccessfully));
        }
        var undelivered = inboxes.Where(inbox => !inbox.Delivery.IsCompletedSuccessfully)
            .SelectMany(inbox => inbox.Notices)
            .ToHashSet<TaskNotice>(ReferenceEqualityComparer.Instance);
        foreach (var notice in owed.Where(notice => !undelivered.Contains(notice)))
        {
            Current.Notices.Remove(notice);
        }
        if (Current.Notices.Count > 0)
        {
            RetryNoticesSoon(NoticeRetryInterval);
            return false;
        }
        return true;
    }

    private async Task Deliver(string inbox, IReadOnlyList<TaskNotice> notices)
    {
        try
        {
            await GrainFactory.GetGrain<IAgentGrain>(inbox)
                .Deliver([.. notices.Select(notice => new InboxItem(notice.Event, notice.Data, DeliveryKey: notice.Key))]);
        }
        catch (AgentChannelException error) when (error.Code == ErrorKind.NotFound)
        {
            // A recipient that is not (or no longer) an agent has no inbox; retrying would not change that.
        }
    }

    private void RetryNoticesSoon(TimeSpan dueTime) =>
        _noticeTimer ??= this.RegisterGrainTimer(RetryNotices, new GrainTimerCreationOptions(dueTime, NoticeRetryInterval) { KeepAlive = true });

    /// <summary>Once every notice is delivered, the emptied list is stored so that no later activation delivers them again.</summary>
    private async Task RetryNotices(CancellationToken cancellationToken)
    {
        if (!await DeliverNotices())
        {
            return;
        }
        _noticeTimer?.Dispose();
        _noticeTimer = null;
        await SaveAsync();
    }

    [LoggerMessage(LogLevel.Warning, "Task {TaskId}: the notices owed to {Count} inboxes could not be delivered yet; retrying every second")]
    private partial void LogNoticesNotDelivered(Exception exception, Guid taskId, int count);

    private async Task<AgentInfo> RequireAgent(string name, string field)
    {
        AgentNames.Require(name, field);
        return await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(name)).Get()
               ?? throw await AgentLookup.Missing(GrainFactory, name, $"No agent named '{name}' ({field}).");
    }

    private TaskState RequireCreated() =>
        Current.Created ? Current : throw AgentChannelException.NotFound($"No task with id {Id}.");

    private static int ValidPriority(int priority) =>
        priority is >= TaskPriorities.Highest and <= TaskPriorities.Lowest
            ? priority
            : throw AgentChannelException.Invalid("priority",
                $"'priority' must be between {TaskPriorities.Highest} (most urgent) and {TaskPriorities.Lowest}.");

    private static bool IsClosedStatus(AgentTaskStatus status) =>
        status is AgentTaskStatus.Completed or AgentTaskStatus.Failed or AgentTaskStatus.Cancelled;

    private static string Wire(AgentTaskStatus status) => AgentChannelJson.WireName(status);

    /// <summary>
    /// Stores the state and the task's row together (<see cref="TaskStateStorage"/>). A write that fails leaves
    /// nothing stored, so the changes made in memory are dropped too: the grain reads the stored state back, or,
    /// if even that fails, deactivates, and the caller's error is the whole answer.
    /// </summary>
    private async Task<TaskInfo> SaveAsync()
    {
        await Storage.StateWrites.WriteOrRestore(state, DeactivateOnIdle);
        Backstop.Sync();
        return Current.ToInfo(Id, clock.GetUtcNow());
    }
}
