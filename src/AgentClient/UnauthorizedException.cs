using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary><c>unauthorized</c> (HTTP 401): the token is unknown or belongs to no agent.</summary>
public sealed class UnauthorizedException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Unauthorized, message, null, null, inner);
