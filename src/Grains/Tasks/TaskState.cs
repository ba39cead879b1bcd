using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

[GenerateSerializer, Alias("task-state")]
public sealed class TaskState
{
    [Id(0)] public bool Created { get; set; }
    [Id(1)] public string Title { get; set; } = "";
    [Id(2)] public string Description { get; set; } = "";
    [Id(3)] public AgentTaskStatus Status { get; set; } = AgentTaskStatus.Pending;
    [Id(4)] public int Priority { get; set; } = TaskPriorities.Default;
    [Id(5)] public string Creator { get; set; } = "";
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    [Id(7)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(8)] public DateTimeOffset? DueDate { get; set; }
    [Id(9)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(10)] public RawJson Requirements { get; set; } = RawJson.EmptyObject;
    [Id(11)] public RawJson? Result { get; set; }
    [Id(12)] public List<TaskAssignment> Assignments { get; set; } = [];
    [Id(13)] public List<Guid> DependsOn { get; set; } = [];

    /// <summary>Tasks waiting on this one; told when it closes.</summary>
    [Id(14)] public List<Guid> Dependents { get; set; } = [];

    /// <summary>Times the task was taken back from an agent (gone, or lease expired).</summary>
    [Id(15)] public int Attempts { get; set; }

    [Id(16)] public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>Why the task is blocked or failed, in words.</summary>
    [Id(17)] public string? StatusReason { get; set; }

    /// <summary>Who the creator named (assign_to) while the task still waits for its dependencies.</summary>
    [Id(18)] public string? IntendedAssignee { get; set; }

    /// <summary>
    /// Inbox events this task's changes owe agents, stored with the change that caused them and delivered after it
    /// (again after a failure or a restart, each stored once per inbox by its key) until delivered.
    /// </summary>
    [Id(19)] public List<TaskNotice> Notices { get; set; } = [];

    /// <summary>Notices made so far: each gets the next number in its key.</summary>
    [Id(20)] public long NoticesMade { get; set; }

    /// <summary>Answers to keyed writes (idempotency keys), stored with the change each answers; bounded and pruned by age.</summary>
    [Id(21)] public List<Idempotency.IdempotencyRecord> Idempotency { get; set; } = [];

    /// <summary>
    /// The W3C traceparent of the span the task was created in (when tracing was on): every later change of the task
    /// links its span to it, so the console and a trace backend can follow a task from create to completion.
    /// </summary>
    [Id(22)] public string? TraceParent { get; set; }

    /// <summary>Set at creation: the assignee's completion waits for the creator's or the operator's approval.</summary>
    [Id(23)] public bool RequiresApproval { get; set; }

    /// <summary>The assignee's latest question and its answer, if given.</summary>
    [Id(24)] public TaskInputRequest? InputRequest { get; set; }

    /// <summary>The latest approval or send-back.</summary>
    [Id(25)] public TaskReview? Review { get; set; }

    /// <summary>Artifacts attached to the task's result (by its assignee or the operator); its parties may read them.</summary>
    [Id(26)] public List<Guid> Artifacts { get; set; } = [];

    public TaskAssignment? CurrentAssignment =>
        Assignments.Count > 0 && Assignments[^1].Status is AssignmentStatus.Assigned or AssignmentStatus.InProgress
            ? Assignments[^1]
            : null;

    public bool IsClosed => Status is AgentTaskStatus.Completed or AgentTaskStatus.Failed or AgentTaskStatus.Cancelled;

    public TaskInfo ToInfo(Guid id, DateTimeOffset now) => new(
        id, Title, Description, Status, Priority, Creator, CurrentAssignment?.Agent ?? LastAssignee,
        CreatedAt, UpdatedAt, DueDate, CompletedAt, Requirements, Result, [.. Assignments],
        [.. DependsOn], Attempts,
        // No lease runs while a person is asked (TaskTransitions.IsWaitingOnHuman).
        CurrentAssignment is null || TaskTransitions.IsWaitingOnHuman(Status) ? null : LeaseExpiresAt, StatusReason,
        Overdue: DueDate is { } due && due < now && !IsClosed, AssignmentId: CurrentAssignment?.Id,
        RequiresApproval: RequiresApproval, InputRequest: InputRequest, Review: Review,
        Artifacts: Artifacts.Count == 0 ? null : [.. Artifacts]);

    /// <summary>A closed task still names who had it last.</summary>
    private string? LastAssignee => IsClosed && Assignments.Count > 0 ? Assignments[^1].Agent : null;
}
