namespace Orleans.AgentChannel.Webhooks;

/// <summary>What a delivery wants to hear after each attempt: its number, the status (if any) and the error (if any).</summary>
public sealed class WebhookAttempts(Func<int, int?, string?, Task> onAttempt)
{
    public static HttpRequestOptionsKey<WebhookAttempts> Key { get; } = new("agentchannel.webhook-attempts");

    private int _count;

    public Task Attempted(int? status, string? error) => onAttempt(Interlocked.Increment(ref _count), status, error);
}
