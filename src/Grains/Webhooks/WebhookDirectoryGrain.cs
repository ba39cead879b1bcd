using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Webhooks;

[Orleans.Concurrency.StatelessWorker]
public sealed class WebhookDirectoryGrain(IWebhookStore store) : Grain, IWebhookDirectoryGrain
{
    private const int MaxDeliveries = 500;

    public async Task<IReadOnlyList<WebhookInfo>> List(Caller caller)
    {
        WebhookGrain.RequireOperator(caller);
        return (await store.List()).Select(target => target.Info).ToList();
    }

    public async Task<IReadOnlyList<WebhookDelivery>> Deliveries(Caller caller, Guid webhookId, int limit)
    {
        WebhookGrain.RequireOperator(caller);
        // Answers not_found for a webhook that does not exist, rather than an empty log.
        await GrainFactory.GetGrain<IWebhookGrain>(webhookId).Get(caller);
        return await store.Deliveries(webhookId, Validation.Limit(limit, MaxDeliveries));
    }
}
