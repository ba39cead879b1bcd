using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Events;

/// <summary>Puts events into agents' inboxes; completes when every inbox has stored them.</summary>
internal static class InboxFanOut
{
    public static Task DeliverMessage(this IGrainFactory grains, MessageInfo message, IEnumerable<string> recipients) =>
        grains.Deliver(Received(message), recipients);

    /// <summary>
    /// Stored messages to their recipients: one inbox append per recipient, holding its messages in log order. Delivering
    /// one again (a repeat of its send, a redelivery) stores it once: an inbox takes a message only while the log still
    /// owes it there (<see cref="IInbox.Append"/>).
    /// </summary>
    public static Task DeliverMessages(this IGrainFactory grains, IReadOnlyList<MessageInfo> messages)
    {
        var inboxes = new Dictionary<string, List<InboxItem>>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            var item = Received(message);
            foreach (var key in InboxKeys(message.Recipients))
            {
                if (!inboxes.TryGetValue(key, out var items))
                {
                    inboxes[key] = items = [];
                }
                items.Add(item);
            }
        }
        return Task.WhenAll(inboxes.Select(inbox => grains.GetGrain<IAgentGrain>(inbox.Key).Deliver(inbox.Value)));
    }

    public static Task Deliver(this IGrainFactory grains, InboxItem item, IEnumerable<string> recipients) =>
        Task.WhenAll(InboxKeys(recipients).Select(key => grains.GetGrain<IAgentGrain>(key).Deliver([item])));

    private static InboxItem Received(MessageInfo message) =>
        new(EventNames.MessageReceived, RawJson.Serialize(message, AgentChannelJson.Options), message.Sequence);

    /// <summary>The inboxes a recipient list reaches: each agent once, the operator (who has none) never.</summary>
    internal static IEnumerable<string> InboxKeys(IEnumerable<string> recipients) => recipients
        .Where(name => !AgentNames.Equal(name, Caller.OperatorName))
        .Select(AgentNames.Key)
        .Distinct(StringComparer.Ordinal);
}
