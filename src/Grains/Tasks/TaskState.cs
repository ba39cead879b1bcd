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

    public TaskAssignment? CurrentAssignment =>
        Assignments.Count > 0 && Assignments[^1].Status is AssignmentStatus.Assigned or AssignmentStatus.InProgress
            ? Assignments[^1]
            : null;

    public TaskInfo ToInfo(Guid id) => new(
        id, Title, Description, Status, Priority, Creator, CurrentAssignment?.Agent ?? LastAssignee,
        CreatedAt, UpdatedAt, DueDate, CompletedAt, Requirements, Result, [.. Assignments]);

    /// <summary>A closed task still names who had it last.</summary>
    private string? LastAssignee =>
        Status is AgentTaskStatus.Completed or AgentTaskStatus.Failed or AgentTaskStatus.Cancelled && Assignments.Count > 0
            ? Assignments[^1].Agent
            : null;
}
