namespace Orleans.AgentChannel.Plugins;

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
