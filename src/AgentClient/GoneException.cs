using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// <c>gone</c> (HTTP 410): the agent the call named (a recipient, an assignee, this client's own agent) was retired.
/// Its history stays; only the operator can register its name again.
/// </summary>
public sealed class GoneException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Gone, message, null, null, inner);
