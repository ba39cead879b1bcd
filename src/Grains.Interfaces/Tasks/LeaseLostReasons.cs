namespace Orleans.AgentChannel.Tasks;

/// <summary>Why an assignee lost its assignment: the <c>reason</c> of <c>task:lease_lost</c>.</summary>
public static class LeaseLostReasons
{
    /// <summary>No heartbeat or progress within the lease; the task was taken back.</summary>
    public const string LeaseExpired = "lease_expired";

    /// <summary>Taken back for another reason, e.g. the agent went offline.</summary>
    public const string Released = "released";

    /// <summary>The creator or the operator assigned the task to another agent.</summary>
    public const string Reassigned = "reassigned";

    /// <summary>The creator or the operator cancelled the task.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The operator completed the task.</summary>
    public const string Completed = "completed";

    /// <summary>The operator failed the task.</summary>
    public const string Failed = "failed";
}
