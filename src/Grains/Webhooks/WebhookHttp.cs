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

/// <summary>What a delivery wants to hear after each attempt: its number, the status (if any) and the error (if any).</summary>
public sealed class WebhookAttempts(Func<int, int?, string?, Task> onAttempt)
{
    public static HttpRequestOptionsKey<WebhookAttempts> Key { get; } = new("agentchannel.webhook-attempts");

    private int _count;

    public Task Attempted(int? status, string? error) => onAttempt(Interlocked.Increment(ref _count), status, error);
}

/// <summary>Runs once per attempt (it sits inside the retry handler) and reports each to the delivery.</summary>
public sealed class WebhookAttemptHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Options.TryGetValue(WebhookAttempts.Key, out var attempts);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (Exception error) when (attempts is not null)
        {
            await attempts.Attempted(null, cancellationToken.IsCancellationRequested ? "the attempt timed out" : error.Message);
            throw;
        }
        if (attempts is not null)
        {
            await attempts.Attempted((int)response.StatusCode, response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        return response;
    }
}
