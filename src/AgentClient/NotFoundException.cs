using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary><c>not_found</c> (HTTP 404): no such agent, message, task, memory key or channel.</summary>
public sealed class NotFoundException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.NotFound, message, null, null, inner);
