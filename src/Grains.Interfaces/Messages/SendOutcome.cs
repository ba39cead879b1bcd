namespace Orleans.AgentChannel.Messages;

/// <summary>
/// What became of one draft of several sent together: the stored message (stored is what counts: it reaches its
/// inboxes even if delivering it failed at first), why it was refused, or <see cref="Failure"/> when the server
/// failed to store it (nothing stored; it may be sent again).
/// </summary>
[GenerateSerializer, Immutable, Alias("send-outcome")]
public sealed record SendOutcome(
    [property: Id(0)] MessageInfo? Message,
    [property: Id(1)] Errors.AgentChannelException? Error,
    [property: Id(2)] string? Failure = null);
