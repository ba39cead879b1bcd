using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.AgentChannel.Webhooks;

/// <summary>
/// Grain storage for webhooks: a webhook's state and its webhooks row in one transaction; a deletion clears the state
/// (keeping its version) and removes the row and the delivery log in one.
/// </summary>
public sealed class WebhookStateStorage(
    IWebhookStore store,
    IGrainStates states,
    Serializer serializer,
    [FromKeyedServices(AgentChannelStorage.Name)] IGrainStorage storedBefore) : GrainStateStorage(states, serializer, storedBefore)
{
    public new const string Name = "agentchannel-webhooks";

    protected override Task<long> SaveWithRows(GrainId grainId, object state, GrainStateWrite write) => state switch
    {
        WebhookState { Created: true } webhook => store.Save(new WebhookTarget(
            new WebhookInfo(grainId.GetGuidKey(), webhook.Url, [.. webhook.Events], webhook.CreatedBy, webhook.CreatedAt), webhook.Secret), write),
        WebhookState => States.Save(write),
        _ => throw Unsupported(state, typeof(WebhookState)),
    };

    protected override Task<long> ClearWithRows(GrainId grainId, GrainStateWrite write) => store.Delete(grainId.GetGuidKey(), write);
}
