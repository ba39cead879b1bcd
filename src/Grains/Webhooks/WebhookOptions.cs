using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Webhooks;

/// <summary>Outbound webhooks (<c>AgentChannel:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "AgentChannel:Webhooks";

    /// <summary>Retries after a failed attempt (5xx, 408, 429, no connection, time-out), with exponential backoff and jitter.</summary>
    [Range(0, 50)] public int MaxRetries { get; set; } = 6;

    /// <summary>The first retry's delay; each next one doubles it.</summary>
    [Range(1, 600_000)] public int RetryDelayMilliseconds { get; set; } = 1000;

    /// <summary>Longest one attempt may take.</summary>
    [Range(0.1, 600)] public double AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>Deliveries waiting per webhook; past this a delivery is logged as failed at once.</summary>
    [Range(1, 10_000_000)] public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Delivery-log rows kept per webhook (newest).</summary>
    [Range(1, 1_000_000)] public int DeliveryLogSize { get; set; } = 500;

    /// <summary>How long a silo trusts its copy of the subscription list (changes on the same silo apply at once).</summary>
    [Range(0.05, 3600)] public double RefreshSeconds { get; set; } = 2;
}
