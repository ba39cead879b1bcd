namespace Orleans.AgentChannel.Stats;

/// <summary>
/// The figures of one slice of the window. Figures about a task's start (created, queue wait,
/// re-assignments) count tasks created in the window and belong to their creator; figures about its end
/// (completed, failed, cancelled, completion time) count tasks that ended in the window and belong to the
/// agent that held them last. Queue wait is creation to first assignment; completion time is creation to
/// completion. Messages and memory writes are not tied to tasks, so per capability they are zero.
/// </summary>
[GenerateSerializer, Alias("stats-figures")]
public sealed record StatsFigures(
    [property: Id(0)] int TasksCreated,
    [property: Id(1)] int TasksCompleted,
    [property: Id(2)] int TasksFailed,
    [property: Id(3)] int TasksCancelled,
    [property: Id(4)] int Reassignments,
    [property: Id(5)] Durations CompletionTime,
    [property: Id(6)] Durations QueueWait,
    [property: Id(7)] long MessagesSent,
    [property: Id(8)] long MessagesReceived,
    [property: Id(9)] long MemoryWrites);
