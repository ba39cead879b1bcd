using Orleans.AgentChannel.Storage;

namespace Orleans.AgentChannel.Webhooks;

/// <summary>
/// The webhooks query table (written by each webhook's grain with its state, <see cref="WebhookStateStorage"/>) and the delivery log (written by the webhook
/// sink, like the message log: append and update rows, no grain state).
/// </summary>
public interface IWebhookStore
{
    /// <summary>
    /// Stores the webhook's grain state and its row in one transaction. Returns the state's new version; throws
    /// <see cref="Orleans.Storage.InconsistentStateException"/>, storing nothing, when another write got there first.
    /// </summary>
    Task<long> Save(WebhookTarget webhook, GrainStateWrite state);

    /// <summary>Clears the webhook's grain state and removes the subscription and its delivery log, in one transaction.</summary>
    Task<long> Delete(Guid id, GrainStateWrite state);

    Task<IReadOnlyList<WebhookTarget>> List();

    /// <summary>Inserts or updates one delivery row; keeps only the newest <paramref name="keepPerWebhook"/> per webhook.</summary>
    Task RecordDelivery(WebhookDelivery delivery, int keepPerWebhook);

    Task<IReadOnlyList<WebhookDelivery>> Deliveries(Guid webhookId, int limit);
}
