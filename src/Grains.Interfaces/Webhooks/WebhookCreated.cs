namespace Orleans.AgentChannel.Webhooks;

[GenerateSerializer, Alias("webhook-created")]
public sealed record WebhookCreated(
    [property: Id(0)] WebhookInfo Webhook,
    [property: Id(1)] string Secret);
