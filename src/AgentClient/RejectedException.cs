using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary><c>rejected</c> (HTTP 422): a server plugin refused the message (the reason is in the message); it was neither stored nor delivered.</summary>
public sealed class RejectedException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Rejected, message, null, null, inner);
