using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;

namespace Orleans.AgentChannel.Messages;

/// <summary>
/// The front of the message log: validates and routes a draft (channel messages to their channel grain),
/// stores it before returning, and answers history queries. Stateless, so any silo serves it.
/// </summary>
[Alias("agentchannel.messages")]
public interface IMessagesGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Stores and delivers one message. With <paramref name="idempotencyKey"/> its id is
    /// <see cref="IdempotencyKey.DerivedId"/>: a repeat gets the message stored by the first attempt (delivered
    /// again where it was missing, never twice), and the key with another draft is idempotency_mismatch.
    /// </summary>
    [Alias("send")]
    Task<MessageInfo> Send(Caller caller, MessageDraft draft, IdempotencyKey? idempotencyKey = null);

    /// <summary>
    /// Several drafts of one sender, stored in their order, each accepted or refused on its own (one refused
    /// draft changes nothing for the others). The messages without a channel are stored in one write and reach
    /// each recipient in one inbox append: a connection sends what queued up behind a send this way.
    /// </summary>
    /// <remarks><paramref name="idempotencyKeys"/>: one per draft (null for a draft without one), as for <see cref="Send"/>.</remarks>
    [Alias("send-many")]
    Task<IReadOnlyList<SendOutcome>> SendMany(Caller caller, IReadOnlyList<MessageDraft> drafts, IReadOnlyList<IdempotencyKey?>? idempotencyKeys = null);

    /// <summary>
    /// One message by id, if the caller may read it: the operator any; an agent one it sent or received, one posted to
    /// a channel while it was a member, or one in the thread of a task it created or was ever assigned. Otherwise
    /// not_found, as for an id that does not exist (a message outside the caller's history is not told apart).
    /// </summary>
    [Alias("get-as"), RetrySafe]
    Task<MessageInfo> Get(Caller caller, Guid id);

    /// <summary>History: the messages matching the query that the caller may read (as for <see cref="Get"/>).</summary>
    [Alias("list-as"), RetrySafe]
    Task<MessagePage> List(Caller caller, MessageQuery query);

    /// <summary>
    /// Full-text search of the history the caller may read (as for <see cref="Get"/>): messages whose content has every
    /// word of <paramref name="text"/> (a word ending in <c>*</c> is a prefix), with the filters of <paramref name="query"/>,
    /// most relevant first. Its <see cref="MessageQuery.Ascending"/> is not used; its cursor is one this call returned.
    /// </summary>
    [Alias("search-as"), RetrySafe]
    Task<MessageSearchPage> Search(Caller caller, string text, MessageQuery query);
}
