namespace Orleans.AgentChannel.Messages;

/// <summary>The append-only message log. Messages are never part of any grain's state.</summary>
public interface IMessageLog
{
    /// <summary>
    /// Stores the message and returns it with its log sequence; completes once it is durable. In the same transaction
    /// it is marked owed to the inboxes of <paramref name="deliverTo"/> (agent keys; a channel post's members), or by
    /// default of its recipients (the operator has none): the outbox <see cref="Owed"/> reads.
    /// </summary>
    Task<MessageInfo> Append(MessageInfo message, long? channelSequence, IReadOnlyCollection<string>? deliverTo = null);

    /// <summary>
    /// Stores messages without a channel, in their order, in one transaction, each owed to its recipients' inboxes;
    /// returns them with their sequences.
    /// </summary>
    Task<IReadOnlyList<MessageInfo>> AppendAll(IReadOnlyList<MessageInfo> messages);

    /// <summary>
    /// Deliveries still owed (their inbox entry not stored yet) of messages created before <paramref name="before"/>,
    /// after the log sequence <paramref name="afterSeq"/>, oldest first. An inbox entry for a message is stored only
    /// while it is owed (<see cref="Events.IInbox.Append"/>).
    /// </summary>
    Task<IReadOnlyList<OwedDelivery>> Owed(DateTimeOffset before, long afterSeq, int limit);

    Task<MessageInfo?> Get(Guid id);

    Task<MessagePage> List(MessageQuery query);

    /// <summary>The highest channel sequence stored for a channel (0 when none), so a channel grain can resume.</summary>
    Task<long> LastChannelSequence(string channelKey);
}

/// <summary>A stored message that the inbox of <see cref="AgentKey"/> has yet to hold.</summary>
public sealed record OwedDelivery(string AgentKey, MessageInfo Message);
