using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Plugins;
using Orleans.AgentChannel.Webhooks;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>The plugins' health on this host, and the webhooks the operator manages, through the same grains as the API.</summary>
public sealed class PluginOperations(PluginRuntime plugins, IGrainFactory grains)
{
    public IReadOnlyList<PluginStatus> Plugins() => plugins.Status();

    public Task<IReadOnlyList<WebhookInfo>> Webhooks() => grains.GetGrain<IWebhookDirectoryGrain>(0).List(Caller.Operator);

    public Task<IReadOnlyList<WebhookDelivery>> Deliveries(Guid webhookId, int limit) =>
        grains.GetGrain<IWebhookDirectoryGrain>(0).Deliveries(Caller.Operator, webhookId, limit);

    public Task<WebhookCreated> Create(NewWebhook webhook) => grains.GetGrain<IWebhookGrain>(Guid.CreateVersion7()).Create(Caller.Operator, webhook);

    public Task Delete(Guid webhookId) => grains.GetGrain<IWebhookGrain>(webhookId).Delete(Caller.Operator);
}
