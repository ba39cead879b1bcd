using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;
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
