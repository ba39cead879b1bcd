using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>How a front end in client mode talks to the cluster (<c>AgentChannel:Client</c>).</summary>
public sealed class ClusterClientOptions
{
    public const string Section = "AgentChannel:Client";

    /// <summary>
    /// How long a call to a grain may take before it fails with a timeout. A call in flight on a silo that
    /// dies waits this long (docs/measurements.md), so it bounds how long a silo crash stalls a request.
    /// </summary>
    [Range(1, 3600)] public double ResponseTimeoutSeconds { get; set; } = 30;

    /// <summary>How often the gateway list is re-read from the membership table (new silos are used after this).</summary>
    [Range(1, 3600)] public double GatewayListRefreshSeconds { get; set; } = 10;

    /// <summary>
    /// How long a read (or another call marked <see cref="Errors.RetrySafeAttribute"/>) that the cluster could not serve
    /// is repeated before the caller is told <c>unavailable</c> (503). It covers failure detection: until a dead silo is
    /// declared dead, calls to the grains it held fail; afterwards those grains activate on a survivor.
    /// </summary>
    [Range(0, 600)] public double RetryUnavailableSeconds { get; set; } = 10;
}
