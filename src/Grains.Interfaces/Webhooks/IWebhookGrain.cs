using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Webhooks;

/// <summary>The single owner of one webhook subscription. Operator only.</summary>
[Alias("agentchannel.webhook")]
public interface IWebhookGrain : IGrainWithGuidKey
{
    /// <summary>Creates the subscription; conflict when this id exists, invalid on a bad URL or event filter.</summary>
    [Alias("create")]
    Task<WebhookCreated> Create(Caller caller, NewWebhook webhook);

    [Alias("get"), RetrySafe]
    Task<WebhookInfo> Get(Caller caller);

    /// <summary>Stops deliveries to it; its delivery log goes with it.</summary>
    [Alias("delete")]
    Task Delete(Caller caller);
}
