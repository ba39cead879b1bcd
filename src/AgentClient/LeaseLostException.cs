using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// <c>lease_lost</c> (HTTP 409): the update or completion named an assignment of the task that is over (its lease
/// expired, it was taken back, handed to another agent or the task closed). Nothing changed; stop working on the task.
/// </summary>
public sealed class LeaseLostException(string message, Exception? inner = null)
    : ConflictException(ErrorKind.LeaseLost, message, "assignment_id", inner);
