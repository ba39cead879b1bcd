namespace Orleans.AgentChannel.Events;

/// <summary>The seed's event names.</summary>
public static class EventNames
{
    public const string MessageReceived = "message:received";
    public const string TaskAssigned = "task:assigned";
    public const string TaskUpdated = "task:updated";

    /// <summary>
    /// To an agent whose assignment someone else ended (lease expired, taken back, reassigned, cancelled, closed by the
    /// operator): its calls naming that assignment are refused with lease_lost from now on. Data: <c>TaskLeaseLost</c>.
    /// </summary>
    public const string TaskLeaseLost = "task:lease_lost";

    /// <summary>To the task's creator: its assignee asked a question (<c>input_request.question</c>). Data: <c>TaskInfo</c>.</summary>
    public const string TaskInputRequired = "task:input_required";

    /// <summary>To the assignee: the creator or the operator answered (<c>input_request.answer</c>); the task is in_progress again. Data: <c>TaskInfo</c>.</summary>
    public const string TaskInputProvided = "task:input_provided";

    /// <summary>To the task's creator: the assignee completed a task that requires approval. Data: <c>TaskInfo</c>.</summary>
    public const string TaskAwaitingApproval = "task:awaiting_approval";

    /// <summary>To the assignee: the creator or the operator approved; the task is completed. Data: <c>TaskInfo</c>.</summary>
    public const string TaskApproved = "task:approved";

    /// <summary>To the assignee: the creator or the operator sent the task back (<c>review.comment</c>); it is in_progress again. Data: <c>TaskInfo</c>.</summary>
    public const string TaskSentBack = "task:sent_back";
    public const string MemoryUpdated = "memory:updated";
    public const string AgentJoined = "agent:joined";
    public const string AgentLeft = "agent:left";

    /// <summary>
    /// Activity stream only (the console): an agent's listing changed without crossing the offline boundary,
    /// e.g. online to busy, a re-registration, or a stored last_seen. Gateways do not forward it to agents.
    /// </summary>
    public const string AgentUpdated = "agent:updated";

    /// <summary>Activity stream only (console, sinks, webhooks): the agent was retired and leaves the listing. Data: <c>AgentInfo</c>.</summary>
    public const string AgentRetired = "agent:retired";

    /// <summary>
    /// To a live connection (WebSocket, SSE) whose token stopped: rotated, revoked by the operator, or the agent retired.
    /// Sent just before the server closes it; data <c>{"code", "reason"}</c>, code <c>token_rotated</c>,
    /// <c>token_revoked</c> or <c>agent_retired</c>. Not stored in the inbox.
    /// </summary>
    public const string SessionRevoked = "session:revoked";
}
