using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;

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
/// This file holds activation and the calls that create, change, assign and complete the task; the other concerns
/// have a file each: <c>TaskGrain.Assignment.cs</c> (who holds it, leases, the pool), <c>TaskGrain.Dependencies.cs</c>,
/// <c>TaskGrain.Notices.cs</c> (inbox events owed by a change), <c>TaskGrain.HumanInTheLoop.cs</c>, <c>TaskGrain.Artifacts.cs</c>.
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
    private Backstop? _backstop;

    /// <summary>
    /// The task as last stored: what <see cref="Get"/> answers. A change is made in memory and then stored, and a read
    /// interleaves with that write (<see cref="ITaskGrain.Get"/> is <c>AlwaysInterleave</c>), so a read of the memory
    /// could show a change that the write then refuses. Null while no task is stored.
    /// </summary>
    private TaskInfo? _stored;

    private TaskState Current => state.State;

    private Guid Id => this.GetPrimaryKey();

    private TaskOptions Options => options.Value;

    /// <summary>Held while the task is open or owes inbox events: its queue place, lease and dependencies outlive a dead silo.</summary>
    private Backstop Backstop => _backstop ??= new Backstop(this, "task", recovery.Value.ReminderPeriod, () => HasDutiesInMemory, logger);

    private bool HasDutiesInMemory => Current.Created && (!Current.IsClosed || Current.Notices.Count > 0);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stored = Current.Created ? Current.ToInfo(Id, clock.GetUtcNow()) : null;
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
        await Tell(info, afterAnswer: Current.CurrentAssignment?.AssignedBy == EngineAssigner);
        return info;
    }

    public Task<TaskInfo> Get()
    {
        var stored = _stored ?? throw NotFound();
        // The lease is the one exception: heartbeats extend it in memory only (ExtendLease), and so does a restart.
        var lease = stored.LeaseExpiresAt is not null && stored.AssignmentId == Current.CurrentAssignment?.Id
            ? Current.LeaseExpiresAt
            : stored.LeaseExpiresAt;
        var overdue = stored.DueDate is { } due && due < clock.GetUtcNow() && !TaskTransitions.IsClosed(stored.Status);
        return Task.FromResult(stored with { LeaseExpiresAt = lease, Overdue = overdue });
    }

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
            await ReserveWithoutCycles(dependsOn);
        }
        try
        {
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
        finally
        {
            if (dependsOn is not null)
            {
                await ReleaseDependencyCheck();
            }
        }
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

    private void RequireCreated()
    {
        if (!Current.Created)
        {
            throw NotFound();
        }
    }

    private AgentChannelException NotFound() => AgentChannelException.NotFound($"No task with id {Id}.");

    private static int ValidPriority(int priority) =>
        priority is >= TaskPriorities.Highest and <= TaskPriorities.Lowest
            ? priority
            : throw AgentChannelException.Invalid("priority",
                $"'priority' must be between {TaskPriorities.Highest} (most urgent) and {TaskPriorities.Lowest}.");

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
        return _stored = Current.ToInfo(Id, clock.GetUtcNow());
    }
}
