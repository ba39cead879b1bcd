using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Orleans.AgentChannel.WebFrontend.Hosting;

/// <summary>
/// The one meter every AgentChannel instrument is created on (System.Diagnostics.Metrics), shown by the
/// console's Metrics page and exported through OpenTelemetry: a Prometheus scrape endpoint at
/// <see cref="ScrapePath"/>, and whatever other exporter an operator adds to the same MeterProvider.
/// </summary>
public static class AgentChannelMetrics
{
    public const string MeterName = "Orleans.AgentChannel";

    public const string ScrapePath = "/metrics";

    public static WebApplicationBuilder AddAgentChannelMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleans-agentchannel"))
            .WithMetrics(metrics => metrics.AddMeter(MeterName).AddPrometheusExporter());
        return builder;
    }

    /// <summary>Open to scrapers without a token, as Prometheus expects: it carries counts, never content.</summary>
    public static WebApplication MapAgentChannelMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(ScrapePath).AllowAnonymous();
        return app;
    }
}
