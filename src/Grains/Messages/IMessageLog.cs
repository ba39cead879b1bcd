namespace Orleans.AgentChannel.Messages;

/// <summary>The append-only message log. Messages are never part of any grain's state.</summary>
public interface IMessageLog
{
    /// <summary>Stores the message and returns it with its log sequence; completes once it is durable.</summary>
    Task<MessageInfo> Append(MessageInfo message, long? channelSequence);

    /// <summary>Stores messages without a channel, in their order, in one transaction; returns them with their sequences.</summary>
    Task<IReadOnlyList<MessageInfo>> AppendAll(IReadOnlyList<MessageInfo> messages);

    Task<MessageInfo?> Get(Guid id);

    Task<MessagePage> List(MessageQuery query);

    /// <summary>The highest channel sequence stored for a channel (0 when none), so a channel grain can resume.</summary>
    Task<long> LastChannelSequence(string channelKey);
}
