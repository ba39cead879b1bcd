using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Messages;

/// <summary>
/// The front of the message log: validates and routes a draft (channel messages to their channel grain),
/// stores it before returning, and answers history queries. Stateless, so any silo serves it.
/// </summary>
[Alias("agentchannel.messages")]
public interface IMessagesGrain : IGrainWithIntegerKey
{
    [Alias("send")]
    Task<MessageInfo> Send(Caller caller, MessageDraft draft);

    /// <summary>One message by id; throws not_found.</summary>
    [Alias("get")]
    Task<MessageInfo> Get(Guid id);

    [Alias("list")]
    Task<MessagePage> List(MessageQuery query);
}
