namespace Orleans.AgentChannel.Webhooks;

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
