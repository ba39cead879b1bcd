using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Messages;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Channels;

/// <summary>One channel, keyed by its lower-cased name: its members and its message sequence.</summary>
[Alias("agentchannel.channel")]
public interface IChannelGrain : IGrainWithStringKey
{
    /// <summary>Adds the calling agent (creating the channel on first use).</summary>
    [Alias("join")]
    Task<ChannelInfo> Join(Caller caller, IdempotencyKey? idempotencyKey = null);

    [Alias("leave")]
    Task<ChannelInfo> Leave(Caller caller, IdempotencyKey? idempotencyKey = null);

    /// <summary>The channel; throws not_found when nobody ever joined or posted.</summary>
    [AgentAccess(AgentAccess.AnyAgent)]
    [AlwaysInterleave, Alias("get"), RetrySafe]
    Task<ChannelInfo> Get();

    /// <summary>Drops a retired agent from the members; its messages in the channel stay. Sent by the agent's grain as it retires.</summary>
    // One-way: a channel awaits its members' grains (a post's delivery) (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("forget-retired")]
    Task ForgetRetired(string agentName);

    /// <summary>Appends a message to the channel; a sender who is not yet a member joins.</summary>
    [Alias("post")]
    Task<MessageInfo> Post(Caller caller, MessageDraft draft, IdempotencyKey? idempotencyKey = null);
}
