namespace Orleans.AgentChannel.Errors;

/// <summary>The small set of domain error codes shared by REST, WebSocket and the C# client.</summary>
public enum ErrorKind
{
    Invalid,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TooLarge,

    /// <summary>A message interceptor (a server plugin) refused the message: it was neither stored nor delivered.</summary>
    Rejected,

    /// <summary>
    /// The call named an assignment (its fencing value) that is no longer the task's current one: the lease ran out,
    /// the task was taken back, handed to another agent, or closed. A conflict: HTTP 409.
    /// </summary>
    LeaseLost,

    /// <summary>
    /// The cluster could not serve the call just now (a silo died under it, storage refused a connection); retry after
    /// a short wait. A write that was already in flight may have taken effect: repeat it with the same idempotency key
    /// to apply it once. HTTP 503 with <c>Retry-After</c>.
    /// </summary>
    Unavailable,

    /// <summary>
    /// The idempotency key was already used by this caller for another request (another body) to the same entity: the
    /// first request's answer stands and nothing changed. HTTP 422.
    /// </summary>
    IdempotencyMismatch,

    /// <summary>
    /// The agent the call names was retired (<c>DELETE /api/agents/{id}</c>, or automatically once offline too long): its
    /// history stays, but nothing new reaches it and its name is held until the operator registers it again. HTTP 410.
    /// </summary>
    Gone,
}
