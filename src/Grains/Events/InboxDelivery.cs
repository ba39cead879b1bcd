using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Events;

/// <summary>Puts one event into several agents' inboxes; completes when every inbox has stored it.</summary>
internal static class InboxDelivery
{
    public static Task DeliverMessage(this IGrainFactory grains, MessageInfo message, IEnumerable<string> recipients) =>
        grains.Deliver(new InboxItem(EventNames.MessageReceived, RawJson.Serialize(message, AgentChannelJson.Options), message.Sequence), recipients);

    public static Task Deliver(this IGrainFactory grains, InboxItem item, IEnumerable<string> recipients) =>
        Task.WhenAll(recipients
            .Where(name => !AgentNames.Equal(name, Caller.OperatorName))
            .Select(AgentNames.Key)
            .Distinct(StringComparer.Ordinal)
            .Select(key => grains.GetGrain<IAgentGrain>(key).Deliver([item])));
}
