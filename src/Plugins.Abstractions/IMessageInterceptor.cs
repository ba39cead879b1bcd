namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// Sees every message after it is validated and before it is stored: it may change its content or metadata
/// (redact, enrich) or reject it with a reason. A rejected message is neither stored nor delivered, and its
/// sender gets an error with the code <c>rejected</c>. Interceptors run in registration order, each seeing
/// what the previous one returned.
/// </summary>
/// <remarks>
/// An interceptor that throws or runs past the plugin time-out is skipped for that message (the message
/// goes on as the previous interceptor left it) and the failure is counted and shown in the console: a
/// broken plugin must not stop the channel.
/// </remarks>
public interface IMessageInterceptor
{
    ValueTask<MessageVerdict> InterceptAsync(InterceptedMessage message, CancellationToken cancellationToken);
}
