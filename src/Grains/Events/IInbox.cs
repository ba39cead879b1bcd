namespace Orleans.AgentChannel.Events;

/// <summary>The durable per-agent inboxes. Only an agent's grain appends to its inbox, in sequence order.</summary>
public interface IInbox
{
    Task Append(string agentKey, IReadOnlyList<(long Seq, InboxItem Item)> items);

    Task<InboxPage> Read(string agentKey, long afterSeq, int limit);

    /// <summary>The highest sequence stored for the agent (0 when none), so its grain can resume numbering.</summary>
    Task<long> LastSequence(string agentKey);
}
