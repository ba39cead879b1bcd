using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary><c>invalid</c> (HTTP 400): missing, malformed or out-of-range input; <see cref="AgentRequestException.Field"/> names it.</summary>
public sealed class InvalidRequestException(string message, string? field = null, Exception? inner = null)
    : AgentRequestException(ErrorKind.Invalid, message, field, null, inner);
