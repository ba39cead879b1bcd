namespace Orleans.AgentChannel.Webhooks;

/// <summary>A stored subscription. The secret is never part of it: it is shown once, at creation.</summary>
[GenerateSerializer, Alias("webhook-info")]
public sealed record WebhookInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Events,
    [property: Id(3)] string CreatedBy,
    [property: Id(4)] DateTimeOffset CreatedAt);
