using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Tasks;

/// <summary>One task, keyed by its id: its fields, its status machine and its assignment history.</summary>
[Alias("agentchannel.task")]
public interface ITaskGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Creates the task with the caller as creator, assigning it at once when AssignTo is set. With
    /// <paramref name="idempotencyKey"/> (the task's id then being <see cref="IdempotencyKey.DerivedId"/>), a repeat gets
    /// the first answer; so do the other writes below given a key.
    /// </summary>
    [Alias("create")]
    Task<TaskInfo> Create(Caller caller, NewTask task, IdempotencyKey? idempotencyKey = null);

    /// <summary>The task; throws not_found when it was never created.</summary>
    [AgentAccess(AgentAccess.AnyAgent)]
    [AlwaysInterleave, Alias("get"), RetrySafe]
    Task<TaskInfo> Get();

    /// <summary>
    /// Changes fields or status; the creator, the assignee or the operator may. With <see cref="TaskUpdate.AssignmentId"/>
    /// set, refused with lease_lost (changing nothing) unless that is the current assignment.
    /// </summary>
    [Alias("update")]
    Task<TaskInfo> Update(Caller caller, TaskUpdate update, IdempotencyKey? idempotencyKey = null);

    /// <summary>Assigns (or re-assigns) the task to a registered agent.</summary>
    [Alias("assign")]
    Task<TaskInfo> Assign(Caller caller, string agentName, IdempotencyKey? idempotencyKey = null);

    /// <summary>
    /// Marks the task completed with a result; only its assignee (or the operator) may. With
    /// <paramref name="assignmentId"/> (the fencing value the assignee got with the task), refused with lease_lost
    /// (changing nothing) unless that is still the current assignment.
    /// </summary>
    [Alias("complete")]
    /// <remarks><paramref name="artifacts"/>: artifacts the caller may read, attached to the result (added to those already attached).</remarks>
    Task<TaskInfo> Complete(Caller caller, RawJson? result, Guid? assignmentId = null, IdempotencyKey? idempotencyKey = null,
        IReadOnlyList<Guid>? artifacts = null);

    /// <summary>
    /// The assignee asks the task's creator a question: the task becomes input_required (its lease paused) until the
    /// creator or the operator answers with <see cref="ProvideInput"/>. Only the current assignee may, while the task is
    /// assigned or in progress; <paramref name="assignmentId"/> fences it as for <see cref="Complete"/>.
    /// </summary>
    [Alias("request-input")]
    Task<TaskInfo> RequestInput(Caller caller, string question, Guid? assignmentId = null, IdempotencyKey? idempotencyKey = null);

    /// <summary>The creator or the operator answers the open question: the task goes back to in_progress and the assignee gets task:input_provided.</summary>
    [Alias("provide-input")]
    Task<TaskInfo> ProvideInput(Caller caller, string answer, IdempotencyKey? idempotencyKey = null);

    /// <summary>The creator or the operator approves a task awaiting approval: it is completed and its dependents go ahead.</summary>
    [Alias("approve")]
    Task<TaskInfo> Approve(Caller caller, string? comment = null, IdempotencyKey? idempotencyKey = null);

    /// <summary>The creator or the operator sends a task awaiting approval back to its assignee (in_progress) with a comment.</summary>
    [Alias("send-back")]
    Task<TaskInfo> SendBack(Caller caller, string comment, IdempotencyKey? idempotencyKey = null);

    /// <summary>
    /// The caller takes this waiting task; null when it is no longer waiting (someone got it first). A conflict
    /// when the caller lacks the capabilities or already holds its limit of tasks.
    /// </summary>
    [Alias("claim")]
    Task<TaskInfo?> Claim(Caller caller, IdempotencyKey? idempotencyKey = null);

    /// <summary>
    /// The queue <paramref name="poolKey"/> offers the task to an agent whose slot it reserved. Unless the
    /// task takes it, the task gives the slot back itself (it alone knows whether that agent holds it).
    /// <paramref name="decidedAt"/> is when the queue chose, the assignment's time: a queue's offers are made
    /// together, and their times keep the order the queue handed the tasks out in.
    /// </summary>
    [Alias("offer")]
    Task<EngineOffer> Offer(string agentName, string poolKey, DateTimeOffset decidedAt);

    /// <summary>Another task now depends on this one; it hears back when this one closes.</summary>
    // One-way: task to task: two tasks may call each other (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("add-dependent")]
    Task AddDependent(Guid dependent);

    /// <summary>A task this one depends on closed: check whether this one can go ahead.</summary>
    // One-way: task to task: two tasks may call each other (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("dependency-closed")]
    Task DependencyClosed(Guid dependency);

    /// <summary>The assignee showed life (a heartbeat): its hold on the task lasts another lease.</summary>
    // One-way: called by the agent grain, which tasks await (ReserveSlot, Get) (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("extend-lease")]
    Task ExtendLease(string agentName);

    /// <summary>The assignee went away: the task goes back to the queue (or fails after too many attempts).</summary>
    // One-way: called by the agent grain, which tasks await (ReserveSlot, Get) (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("release")]
    Task Release(string agentName, string reason);

    /// <summary>
    /// Activates the task so it resumes its duties after a restart or after the silo holding its queue died
    /// (lease checks, queueing, dependencies).
    /// </summary>
    [Alias("wake")]
    Task Wake();

    /// <summary>
    /// Whether <paramref name="dependent"/> may depend on this task: it already does, or this task has fewer dependents than
    /// <c>MaxDependents</c>. Asked before <see cref="AddDependent"/>, which cannot refuse (it is one-way); two tasks naming
    /// this one at the same moment may both pass, so the limit can be passed by the tasks created at once.
    /// </summary>
    [AlwaysInterleave, Alias("has-room-for-dependent")]
    Task<bool> HasRoomForDependent(Guid dependent);
}
