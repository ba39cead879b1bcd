namespace Orleans.AgentChannel.Messages;

/// <summary>The append-only message log. Messages are never part of any grain's state.</summary>
public interface IMessageLog
{
    /// <summary>
    /// Stores the message and returns it with its log sequence; completes once it is durable. In the same transaction
    /// it is marked owed to the inboxes of <paramref name="deliverTo"/> (agent keys; a channel post's members), or by
    /// default of its recipients (the operator has none): the outbox <see cref="Owed"/> reads. A channel post's
    /// <paramref name="deliverTo"/> are the members it was posted to, its audience for good (<c>message_audience</c>):
    /// they may read it in history after they leave. A keyed message comes with
    /// its <paramref name="requestHash"/>; if its id is in the log already, nothing is stored and
    /// <see cref="KeyedMessageExistsException"/> is thrown.
    /// </summary>
    Task<MessageInfo> Append(MessageInfo message, long? channelSequence, IReadOnlyCollection<string>? deliverTo = null, string? requestHash = null);

    /// <summary>
    /// Stores messages without a channel, in their order, in one transaction, each owed to its recipients' inboxes;
    /// returns them with their sequences. <paramref name="requestHashes"/> (one per message, null for unkeyed) as for
    /// <see cref="Append"/>: one keyed id already in the log stores none of them.
    /// </summary>
    Task<IReadOnlyList<MessageInfo>> AppendAll(IReadOnlyList<MessageInfo> messages, IReadOnlyList<string?>? requestHashes = null);

    /// <summary>Of these ids, the messages in the log that were stored with a request hash (keyed sends), with that hash.</summary>
    Task<IReadOnlyList<KeyedMessage>> FindKeyed(IReadOnlyList<Guid> ids);

    /// <summary>
    /// Deliveries still owed (their inbox entry not stored yet) of messages created before <paramref name="before"/>,
    /// after the log sequence <paramref name="afterSeq"/>, oldest first. An inbox entry for a message is stored only
    /// while it is owed (<see cref="Events.IInbox.Append"/>).
    /// </summary>
    Task<IReadOnlyList<OwedDelivery>> Owed(DateTimeOffset before, long afterSeq, int limit);

    /// <summary>The message, if it exists and <paramref name="reader"/> may read it (an agent key; null reads every message).</summary>
    Task<MessageInfo?> Get(Guid id, string? reader);

    /// <summary>
    /// A page of history: the messages matching <paramref name="query"/> that <paramref name="reader"/> may read (an
    /// agent key: what it sent, received, was posted to a channel while it was a member, or is in the thread of a task it
    /// created or was ever assigned; null reads every message).
    /// </summary>
    Task<MessagePage> List(MessageQuery query, string? reader);

    /// <summary>
    /// A page of full-text search hits among the messages <see cref="List"/> would give <paramref name="reader"/> with
    /// the filters of <paramref name="query"/>: those whose content has every word of <paramref name="text"/>, most
    /// relevant first, each with a snippet.
    /// </summary>
    Task<MessageSearchPage> Search(Storage.SearchText text, MessageQuery query, string? reader);

    /// <summary>The highest channel sequence stored for a channel (0 when none), so a channel grain can resume.</summary>
    Task<long> LastChannelSequence(string channelKey);
}
