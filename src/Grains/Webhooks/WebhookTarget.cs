namespace Orleans.AgentChannel.Webhooks;

/// <summary>A subscription with what the sink needs to sign its deliveries.</summary>
public sealed record WebhookTarget(WebhookInfo Info, string Secret);
