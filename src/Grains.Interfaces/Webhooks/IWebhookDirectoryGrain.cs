using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Webhooks;

/// <summary>Lists subscriptions and their delivery logs. Operator only.</summary>
[Alias("agentchannel.webhook-directory")]
public interface IWebhookDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("list"), RetrySafe]
    Task<IReadOnlyList<WebhookInfo>> List(Caller caller);

    /// <summary>The webhook's latest deliveries, newest first.</summary>
    [Alias("deliveries"), RetrySafe]
    Task<IReadOnlyList<WebhookDelivery>> Deliveries(Caller caller, Guid webhookId, int limit);
}
