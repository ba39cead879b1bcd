namespace Orleans.AgentChannel.Events;

/// <summary>The durable per-agent inboxes. Only an agent's grain appends to its inbox, in sequence order.</summary>
public interface IInbox
{
    /// <summary>
    /// Stores the items under their sequences; an item's delivery key, when it has one, is stored with it (once per
    /// inbox). A message's item is stored only while the message is owed to this inbox (<see cref="Messages.IMessageLog"/>),
    /// and stops being owed in the same transaction; if one is no longer owed (another delivery stored it first),
    /// nothing is stored and <see cref="DeliveryNotOwedException"/> is thrown.
    /// </summary>
    Task Append(string agentKey, IReadOnlyList<(long Seq, InboxItem Item)> items);

    /// <summary>Which of the messages <paramref name="messageSeqs"/> are still owed to the agent's inbox.</summary>
    Task<IReadOnlySet<long>> StillOwed(string agentKey, IReadOnlyList<long> messageSeqs);

    /// <summary>Which of <paramref name="deliveryKeys"/> the agent's inbox already holds.</summary>
    Task<IReadOnlySet<string>> Delivered(string agentKey, IReadOnlyList<string> deliveryKeys);

    Task<InboxPage> Read(string agentKey, long afterSeq, int limit);

    /// <summary>The highest sequence stored for the agent (0 when none), so its grain can resume numbering.</summary>
    Task<long> LastSequence(string agentKey);
}
