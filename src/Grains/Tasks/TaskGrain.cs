using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The single owner of a task. Status moves pending → assigned → in_progress → completed | failed, and any
/// open task may be cancelled; every move is an assignment record with timestamps.
/// </summary>
public sealed class TaskGrain(
    [PersistentState("task", AgentChannelStorage.Name)] IPersistentState<TaskState> state,
    ITaskIndex index,
    IOptions<LimitsOptions> limits,
    TimeProvider clock) : Grain, ITaskGrain
{
    private TaskState Current => state.State;

    private Guid Id => this.GetPrimaryKey();

    public async Task<TaskInfo> Create(Caller caller, NewTask task)
    {
        if (Current.Created)
        {
            throw AgentChannelException.Conflict($"Task {Id} already exists.");
        }
        var now = clock.GetUtcNow();
        Current.Title = Validation.RequireText(task.Title, "title", limits.Value.MaxTitleChars);
        Current.Description = Validation.LimitText(task.Description ?? "", "description", limits.Value.MaxDescriptionChars);
        Current.Priority = ValidPriority(task.Priority ?? TaskPriorities.Default);
        Current.DueDate = task.DueDate;
        Current.Requirements = Validation.ObjectOrEmpty(task.Requirements, "requirements", limits.Value.MaxRequirementsBytes);
        Current.Creator = caller.Name;
        Current.CreatedAt = now;
        Current.UpdatedAt = now;
        Current.Status = AgentTaskStatus.Pending;
        if (task.AssignTo is not null)
        {
            var assignee = await RequireAgent(task.AssignTo, "assign_to");
            AddAssignment(assignee.Name, caller, now);
        }
        Current.Created = true;
        var info = await SaveAsync();
        await Notify(caller, info, previousAssignee: null);
        return info;
    }

    public Task<TaskInfo> Get() => Task.FromResult(RequireCreated().ToInfo(Id));

    public async Task<TaskInfo> Update(Caller caller, TaskUpdate update)
    {
        RequireCreated();
        var isCreator = caller.IsOperator || caller.Is(Current.Creator);
        var isAssignee = Current.CurrentAssignment is { } current && caller.Is(current.Agent);
        if (!isCreator && !isAssignee)
        {
            throw AgentChannelException.Forbidden("Only the task's creator, its assignee or the operator may update it.");
        }
        var editsFields = update.Title is not null || update.Description is not null || update.Priority is not null
                          || update.DueDate is not null || update.Requirements is not null;
        if (update.Result is not null && (IsClosed(Current.Status) || !(isAssignee || caller.IsOperator)))
        {
            throw IsClosed(Current.Status)
                ? AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)}; its result can no longer change.")
                : AgentChannelException.Forbidden("Only the task's assignee or the operator may set its result.");
        }
        if (editsFields && !isCreator)
        {
            throw AgentChannelException.Forbidden("Only the task's creator or the operator may edit its fields.");
        }
        if (editsFields && IsClosed(Current.Status))
        {
            throw AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)} and can no longer be edited.");
        }

        // Validate everything before changing anything: a refused update leaves the task as it was.
        var title = update.Title is null ? null : Validation.RequireText(update.Title, "title", limits.Value.MaxTitleChars);
        var description = update.Description is null ? null : Validation.LimitText(update.Description, "description", limits.Value.MaxDescriptionChars);
        var priority = update.Priority is null ? (int?)null : ValidPriority(update.Priority.Value);
        var requirements = update.Requirements is null ? (RawJson?)null
            : Validation.ObjectOrEmpty(update.Requirements, "requirements", limits.Value.MaxRequirementsBytes);
        var result = update.Result is null ? (RawJson?)null
            : Validation.LimitJson(update.Result.Value, "result", limits.Value.MaxTaskResultBytes);
        if (update.Status is { } target && target != Current.Status)
        {
            CheckTransition(caller, target, isCreator, isAssignee);
        }

        var now = clock.GetUtcNow();
        Current.Title = title ?? Current.Title;
        Current.Description = description ?? Current.Description;
        Current.Priority = priority ?? Current.Priority;
        Current.DueDate = update.DueDate ?? Current.DueDate;
        Current.Requirements = requirements ?? Current.Requirements;
        Current.Result = result ?? Current.Result;
        if (update.Status is { } status && status != Current.Status)
        {
            MoveTo(status, now);
        }
        Current.UpdatedAt = now;
        var info = await SaveAsync();
        await Notify(caller, info, info.AssignedTo);
        return info;
    }

    public async Task<TaskInfo> Assign(Caller caller, string agentName)
    {
        RequireCreated();
        var isCreator = caller.IsOperator || caller.Is(Current.Creator);
        var isAssignee = Current.CurrentAssignment is { } current && caller.Is(current.Agent);
        if (!isCreator && !isAssignee)
        {
            throw AgentChannelException.Forbidden("Only the task's creator, its assignee (handing it on) or the operator may assign it.");
        }
        if (IsClosed(Current.Status))
        {
            throw AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)} and cannot be assigned.");
        }
        var assignee = await RequireAgent(agentName, "agent");
        if (Current.CurrentAssignment is { } previous && AgentNames.Equal(previous.Agent, assignee.Name))
        {
            return Current.ToInfo(Id);
        }
        var now = clock.GetUtcNow();
        var previousAssignee = Current.CurrentAssignment?.Agent;
        EndCurrentAssignment(AssignmentStatus.Reassigned, now);
        AddAssignment(assignee.Name, caller, now);
        Current.UpdatedAt = now;
        var info = await SaveAsync();
        await Notify(caller, info, previousAssignee);
        return info;
    }

    public async Task<TaskInfo> Complete(Caller caller, RawJson? result)
    {
        RequireCreated();
        if (Current.Status is not (AgentTaskStatus.Assigned or AgentTaskStatus.InProgress))
        {
            throw AgentChannelException.Conflict($"Task {Id} is {Wire(Current.Status)}; only an assigned or in-progress task can be completed.");
        }
        if (!caller.IsOperator && !(Current.CurrentAssignment is { } current && caller.Is(current.Agent)))
        {
            throw AgentChannelException.Forbidden("Only the task's assignee or the operator may complete it.");
        }
        var validResult = result is null ? (RawJson?)null : Validation.LimitJson(result.Value, "result", limits.Value.MaxTaskResultBytes);
        var now = clock.GetUtcNow();
        Current.Result = validResult ?? Current.Result;
        MoveTo(AgentTaskStatus.Completed, now);
        Current.UpdatedAt = now;
        var info = await SaveAsync();
        await Notify(caller, info, info.AssignedTo);
        return info;
    }

    private void CheckTransition(Caller caller, AgentTaskStatus target, bool isCreator, bool isAssignee)
    {
        var allowed = (Current.Status, target) switch
        {
            (AgentTaskStatus.Assigned, AgentTaskStatus.InProgress) => isAssignee || caller.IsOperator,
            (AgentTaskStatus.Assigned or AgentTaskStatus.InProgress, AgentTaskStatus.Completed or AgentTaskStatus.Failed)
                => isAssignee || caller.IsOperator,
            (_, AgentTaskStatus.Cancelled) when !IsClosed(Current.Status) => isCreator,
            _ => throw AgentChannelException.Conflict(
                $"Task {Id} cannot move from {Wire(Current.Status)} to {Wire(target)}."),
        };
        if (!allowed)
        {
            throw AgentChannelException.Forbidden(
                $"The caller may not move task {Id} from {Wire(Current.Status)} to {Wire(target)}.");
        }
    }

    private void MoveTo(AgentTaskStatus status, DateTimeOffset now)
    {
        Current.Status = status;
        switch (status)
        {
            case AgentTaskStatus.InProgress:
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

    private void AddAssignment(string agent, Caller assignedBy, DateTimeOffset now)
    {
        Current.Assignments.Add(new TaskAssignment(Guid.CreateVersion7(now), agent, AssignmentStatus.Assigned, now, null, assignedBy.Name));
        Current.Status = AgentTaskStatus.Assigned;
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

    private async Task<AgentInfo> RequireAgent(string name, string field)
    {
        AgentNames.Require(name, field);
        return await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(name)).Get()
               ?? throw AgentChannelException.NotFound($"No agent named '{name}' ({field}).");
    }

    private TaskState RequireCreated() =>
        Current.Created ? Current : throw AgentChannelException.NotFound($"No task with id {Id}.");

    private static int ValidPriority(int priority) =>
        priority is >= TaskPriorities.Highest and <= TaskPriorities.Lowest
            ? priority
            : throw AgentChannelException.Invalid("priority",
                $"'priority' must be between {TaskPriorities.Highest} (most urgent) and {TaskPriorities.Lowest}.");

    private static bool IsClosed(AgentTaskStatus status) =>
        status is AgentTaskStatus.Completed or AgentTaskStatus.Failed or AgentTaskStatus.Cancelled;

    private static string Wire(AgentTaskStatus status) => AgentChannelJson.WireName(status);

    /// <summary>
    /// Into the inboxes, stored before the caller hears back: task:assigned to a new assignee (whoever
    /// assigned it), task:updated to the creator and the assignee before the change, never to the caller.
    /// </summary>
    private async Task Notify(Caller caller, TaskInfo info, string? previousAssignee)
    {
        var data = RawJson.Serialize(info, AgentChannelJson.Options);
        var newAssignee = info.Status == AgentTaskStatus.Assigned && info.Assignments.Count > 0
                          && info.Assignments[^1].Status == AssignmentStatus.Assigned
                          && !AgentNames.Equal(info.Assignments[^1].Agent, previousAssignee ?? "")
            ? info.Assignments[^1].Agent
            : null;
        var deliveries = new List<Task>();
        if (newAssignee is not null)
        {
            deliveries.Add(GrainFactory.Deliver(new InboxItem(EventNames.TaskAssigned, data), [newAssignee]));
        }
        var watchers = new[] { info.Creator, previousAssignee }
            .OfType<string>()
            .Where(name => !caller.Is(name) && !AgentNames.Equal(name, newAssignee ?? ""));
        deliveries.Add(GrainFactory.Deliver(new InboxItem(EventNames.TaskUpdated, data), watchers));
        await Task.WhenAll(deliveries);
        await this.PublishActivity(EventNames.TaskUpdated, info);
    }

    private async Task<TaskInfo> SaveAsync()
    {
        await state.WriteStateAsync();
        var info = Current.ToInfo(Id);
        await index.Upsert(info);
        return info;
    }
}
