using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary><c>too_large</c> (HTTP 413): a field is over its limit; <see cref="AgentRequestException.Field"/> names it.</summary>
public sealed class TooLargeException(string message, string? field = null, Exception? inner = null)
    : AgentRequestException(ErrorKind.TooLarge, message, field, null, inner);
