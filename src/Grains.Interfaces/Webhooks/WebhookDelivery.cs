namespace Orleans.AgentChannel.Webhooks;

/// <summary>One event sent (or being sent) to one webhook: the delivery log's row.</summary>
[GenerateSerializer, Alias("webhook-delivery")]
public sealed record WebhookDelivery(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid WebhookId,
    [property: Id(2)] Guid EventId,
    [property: Id(3)] string Event,
    [property: Id(4)] WebhookDeliveryStatus Status,
    [property: Id(5)] int Attempts,
    [property: Id(6)] int? LastStatusCode,
    [property: Id(7)] string? LastError,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt);
