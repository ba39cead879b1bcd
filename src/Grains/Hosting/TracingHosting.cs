using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Hosting;

public static class TracingHosting
{
    /// <summary>ASP.NET Core's request spans, which take a client's <c>traceparent</c> header as their parent.</summary>
    public const string AspNetCoreSource = "Microsoft.AspNetCore";

    /// <summary>
    /// Registers the options and the console's <see cref="TraceBuffer"/> and, when tracing is on, the tracer provider.
    /// Called by every host (the embedded silo and the front end share one service collection: it runs once).
    /// </summary>
    public static IServiceCollection AddAgentChannelTracing(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(service => service.ServiceType == typeof(TraceBuffer)))
        {
            return services;
        }
        services.AddOptions<TracingOptions>().Bind(configuration.GetSection(TracingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var options = TracingOptions.From(configuration);
        var buffer = new TraceBuffer(options.IsOn ? options.BufferSpans : 0);
        services.TryAddSingleton(buffer);
        if (!options.IsOn)
        {
            return services;
        }
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleans-agentchannel"))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new FrontDoorSampler(options.SampleRatio))
                    .AddSource([.. AgentChannelTracing.SourceNames, .. AgentChannelTracing.OrleansSources, AspNetCoreSource])
                    .AddProcessor(buffer);
                if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
                {
                    tracing.AddOtlpExporter(otlp =>
                    {
                        otlp.Endpoint = new Uri(options.OtlpEndpoint);
                        otlp.Protocol = options.OtlpProtocol;
                    });
                }
            });
        return services;
    }
}
