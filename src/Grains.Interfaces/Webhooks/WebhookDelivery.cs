namespace Orleans.AgentChannel.Webhooks;

/// <summary>
/// A subscription as the operator writes it: where to POST, which activity events (exact names such as
/// <c>message:received</c>, a family such as <c>task:*</c>, or <c>*</c>; none means every event), and the secret
/// deliveries are signed with (made up and returned once when omitted).
/// </summary>
[GenerateSerializer, Alias("new-webhook")]
public sealed record NewWebhook(
    [property: Id(0)] string Url,
    [property: Id(1)] IReadOnlyList<string>? Events = null,
    [property: Id(2)] string? Secret = null);

/// <summary>A stored subscription. The secret is never part of it: it is shown once, at creation.</summary>
[GenerateSerializer, Alias("webhook-info")]
public sealed record WebhookInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Events,
    [property: Id(3)] string CreatedBy,
    [property: Id(4)] DateTimeOffset CreatedAt);

[GenerateSerializer, Alias("webhook-created")]
public sealed record WebhookCreated(
    [property: Id(0)] WebhookInfo Webhook,
    [property: Id(1)] string Secret);

public enum WebhookDeliveryStatus
{
    /// <summary>Being sent, or waiting to be retried.</summary>
    Pending,
    Delivered,

    /// <summary>Every retry failed, or the webhook's queue was full.</summary>
    Failed,
}

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
