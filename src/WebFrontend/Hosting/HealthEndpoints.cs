using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.AgentChannel.Health;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Hosting;

/// <summary>
/// For orchestrators (systemd, Kubernetes probes, load balancers), without a token:
/// <c>/health/live</c> answers 200 while the process serves HTTP; <c>/health/ready</c> answers 200 only when a silo of
/// the cluster answers and its storage answers a query over our tables (so the silo has joined and applied the schema),
/// and 503 otherwise, saying which check failed.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    private const string ReadyTag = "ready";

    public static IServiceCollection AddAgentChannelHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<ClusterReadiness>("cluster", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapAgentChannelHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write })
            .AllowAnonymous().WithTags("health");
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = Write })
            .AllowAnonymous().WithTags("health");
        return app;
    }

    private static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status == HealthStatus.Healthy ? "ready" : "unavailable",
            checks = report.Entries.Select(entry => new
            {
                name = entry.Key,
                status = entry.Value.Status == HealthStatus.Healthy ? "ok" : "failing",
                detail = entry.Value.Description,
                took_ms = (long)entry.Value.Duration.TotalMilliseconds,
            }),
        }, AgentChannelJson.Options, context.RequestAborted);
    }

    /// <summary>A silo answers the readiness probe, with its storage, within a few seconds.</summary>
    private sealed class ClusterReadiness(IGrainFactory grains) : IHealthCheck
    {
        private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var answer = await grains.GetGrain<IReadinessGrain>(0).Probe().WaitAsync(Bound, cancellationToken);
                // No addresses or error texts: the endpoint is open to anyone who reaches the port.
                return HealthCheckResult.Healthy($"a silo answered; its storage in {answer.StorageAnswered.TotalMilliseconds:F0} ms");
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"no silo with working storage answered within {Bound.TotalSeconds:F0} s ({error.GetType().Name})");
            }
        }
    }
}
