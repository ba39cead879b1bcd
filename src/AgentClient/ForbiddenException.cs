using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary><c>forbidden</c> (HTTP 403): this agent may not do this (e.g. complete another agent's task).</summary>
public sealed class ForbiddenException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Forbidden, message, null, null, inner);
