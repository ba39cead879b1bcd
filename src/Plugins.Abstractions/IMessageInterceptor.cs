using System.Text.Json.Nodes;

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

/// <summary>
/// A message about to be stored. Only <see cref="Content"/> and <see cref="Metadata"/> can be changed (return
/// the message <c>with</c> new values); who sent it and where it goes are not an interceptor's to change.
/// </summary>
/// <param name="Metadata">A copy the interceptor owns: change it in place or build a new one.</param>
public sealed record InterceptedMessage(
    string Sender,
    IReadOnlyList<string> Recipients,
    string? Channel,
    Guid? TaskId,
    string MessageType,
    string Content,
    JsonObject Metadata);

/// <summary>An interceptor's answer: go on (with the message as it should be stored) or reject.</summary>
public sealed record MessageVerdict
{
    private MessageVerdict(InterceptedMessage? message, string? rejection)
    {
        Message = message;
        Rejection = rejection;
    }

    /// <summary>The message to store, when accepted.</summary>
    public InterceptedMessage? Message { get; }

    /// <summary>Why it was rejected; the sender sees this.</summary>
    public string? Rejection { get; }

    public bool IsRejected => Rejection is not null;

    public static MessageVerdict Accept(InterceptedMessage message) => new(message ?? throw new ArgumentNullException(nameof(message)), null);

    public static MessageVerdict Reject(string reason) =>
        new(null, string.IsNullOrWhiteSpace(reason) ? throw new ArgumentException("A rejection needs a reason.", nameof(reason)) : reason);
}
