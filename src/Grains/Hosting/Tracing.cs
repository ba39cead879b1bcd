using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// Traces (<c>AgentChannel:Tracing</c>): off by default. On (<see cref="Enabled"/>, or an <see cref="OtlpEndpoint"/>),
/// the process listens to AgentChannel's sources (<see cref="AgentChannelTracing"/>), Orleans' grain-call spans and
/// ASP.NET Core's requests, keeps the last <see cref="BufferSpans"/> spans for the console, and exports over OTLP
/// when an endpoint is set. Off, nothing listens: no span is made and Orleans carries no trace context.
/// </summary>
public sealed class TracingOptions
{
    public const string Section = "AgentChannel:Tracing";

    public bool Enabled { get; set; }

    /// <summary>Where to send spans over OTLP (e.g. <c>http://collector:4317</c>); setting it turns tracing on.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>OTLP transport: <c>Grpc</c> (port 4317, the default) or <c>HttpProtobuf</c> (port 4318, path <c>/v1/traces</c>).</summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>Share of new traces recorded (a trace a client started follows the client's sampled flag).</summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>Spans kept in memory for the console's trace timelines (the oldest go first).</summary>
    [Range(100, 1_000_000)]
    public int BufferSpans { get; set; } = 10_000;

    public bool IsOn => Enabled || !string.IsNullOrWhiteSpace(OtlpEndpoint);

    public static TracingOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<TracingOptions>() ?? new TracingOptions();
}

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

/// <summary>
/// Which traces are recorded: a trace starts at one of our spans (<see cref="AgentChannelTracing.RootNamePrefixes"/>:
/// a front door's request, or grain work nobody waits for) and is kept at <see cref="TracingOptions.SampleRatio"/>; a
/// trace a client started follows the client's sampled flag. Any other span that would start a trace is dropped:
/// Orleans' grain calls and runtime work outside any trace (membership, the directory, timers) and ASP.NET Core's
/// requests without a <c>traceparent</c> (the console's pages and circuits, scrapes, the WebSocket upgrade, whose
/// frames have spans of their own).
/// </summary>
public sealed class FrontDoorSampler(double ratio) : Sampler
{
    private readonly Sampler _sampled = new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio));

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        if (samplingParameters.ParentContext == default)
        {
            var name = samplingParameters.Name;
            if (!AgentChannelTracing.RootNamePrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return new SamplingResult(SamplingDecision.Drop);
            }
        }
        return _sampled.ShouldSample(samplingParameters);
    }
}
