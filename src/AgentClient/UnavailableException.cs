using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// <c>unavailable</c> (HTTP 503): the cluster could not serve the call just now (a silo died under it, storage was
/// busy); retry after <see cref="AgentChannelException.RetryAfter"/>. A write that was in flight may have taken effect.
/// </summary>
public sealed class UnavailableException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Unavailable, message, null, null, inner);
