namespace Orleans.AgentChannel.Webhooks;

/// <summary>
/// The webhooks query table (written by each webhook's grain) and the delivery log (written by the webhook
/// sink, like the message log: append and update rows, no grain state).
/// </summary>
public interface IWebhookStore
{
    Task Upsert(WebhookTarget webhook);

    /// <summary>Removes the subscription and its delivery log.</summary>
    Task Delete(Guid id);

    Task<IReadOnlyList<WebhookTarget>> List();

    /// <summary>Inserts or updates one delivery row; keeps only the newest <paramref name="keepPerWebhook"/> per webhook.</summary>
    Task RecordDelivery(WebhookDelivery delivery, int keepPerWebhook);

    Task<IReadOnlyList<WebhookDelivery>> Deliveries(Guid webhookId, int limit);
}

/// <summary>A subscription with what the sink needs to sign its deliveries.</summary>
public sealed record WebhookTarget(WebhookInfo Info, string Secret);
