using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Orleans.AgentChannel.Webhooks;

/// <summary>
/// The HttpClient webhooks are sent with: Microsoft.Extensions.Http.Resilience retries failed attempts
/// (5xx, 408, 429, connection failures, attempt time-outs) with exponential backoff and jitter, honouring
/// Retry-After; inside it, <see cref="WebhookAttemptHandler"/> sees every attempt for the delivery log.
/// </summary>
public static class WebhookHttp
{
    public const string ClientName = "agentchannel-webhooks";

    public static void AddWebhookHttpClient(this IServiceCollection services)
    {
        services.AddTransient<WebhookAttemptHandler>();
        var client = services.AddHttpClient(ClientName, client =>
        {
            client.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline times each attempt
            client.DefaultRequestHeaders.UserAgent.ParseAdd("Orleans.AgentChannel-Webhooks/1.0");
        });
        client.AddResilienceHandler("webhook-delivery", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value;
            if (options.MaxRetries > 0)
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(options.RetryDelayMilliseconds),
                    ShouldRetryAfterHeader = true,
                });
            }
            pipeline.AddTimeout(TimeSpan.FromSeconds(options.AttemptTimeoutSeconds));
        });
        // Added after the resilience handler, so it sits inside it and runs once per attempt.
        client.AddHttpMessageHandler<WebhookAttemptHandler>();
    }
}
