namespace Orleans.AgentChannel.Tasks;

[GenerateSerializer, Alias("assignment-status")]
public enum AssignmentStatus
{
    Assigned,
    InProgress,
    Completed,
    Failed,
    Cancelled,
    Reassigned,

    /// <summary>Taken back from the agent: it went offline or its lease ran out. The task was queued again.</summary>
    Released,
}
