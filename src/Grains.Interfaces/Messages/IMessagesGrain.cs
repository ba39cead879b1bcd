using Orleans.AgentChannel.Errors;
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

    /// <summary>
    /// Several drafts of one sender, stored in their order, each accepted or refused on its own (one refused
    /// draft changes nothing for the others). The messages without a channel are stored in one write and reach
    /// each recipient in one inbox append: a connection sends what queued up behind a send this way.
    /// </summary>
    [Alias("send-many")]
    Task<IReadOnlyList<SendOutcome>> SendMany(Caller caller, IReadOnlyList<MessageDraft> drafts);

    /// <summary>One message by id; throws not_found.</summary>
    [AgentAccess(AgentAccess.AnyAgent)]
    [Alias("get"), RetrySafe]
    Task<MessageInfo> Get(Guid id);

    [AgentAccess(AgentAccess.AnyAgent)]
    [Alias("list"), RetrySafe]
    Task<MessagePage> List(MessageQuery query);
}
