namespace Orleans.AgentChannel.Webhooks;

public enum WebhookDeliveryStatus
{
    /// <summary>Being sent, or waiting to be retried.</summary>
    Pending,
    Delivered,

    /// <summary>Every retry failed, or the webhook's queue was full.</summary>
    Failed,
}
