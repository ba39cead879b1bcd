using OpenTelemetry.Trace;
using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Hosting;

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
