using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Plugins;

/// <summary>Server plugins (<c>AgentChannel:Plugins</c>).</summary>
public sealed class PluginOptions
{
    public const string Section = "AgentChannel:Plugins";

    /// <summary>
    /// A folder of plugin assemblies loaded at start: <c>&lt;folder&gt;/&lt;Name&gt;/&lt;Name&gt;.dll</c> (a plugin's build
    /// output, with its own dependencies) or <c>&lt;folder&gt;/&lt;Name&gt;.dll</c>. Relative to the working directory; none when empty.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>Longest a plugin call may take; past it the call counts as failed and the channel goes on without it.</summary>
    [Range(1, 600_000)]
    public int TimeoutMilliseconds { get; set; } = 2000;

    /// <summary>
    /// A strategy or interceptor failing at least half of its calls (and at least this many) within
    /// <see cref="BreakSamplingSeconds"/> is skipped for <see cref="BreakSeconds"/>, so a hanging plugin costs
    /// a few time-outs, not one per message.
    /// </summary>
    [Range(2, 10_000)]
    public int BreakAfterFailures { get; set; } = 5;

    [Range(0.5, 3600)]
    public double BreakSamplingSeconds { get; set; } = 30;

    [Range(0.5, 3600)]
    public double BreakSeconds { get; set; } = 30;

    /// <summary>Events waiting per sink; past this new events for that sink are counted as dropped and logged.</summary>
    [Range(1, 10_000_000)]
    public int SinkQueueCapacity { get; set; } = 100_000;

    /// <summary>Retries of one event for a sink that throws or times out, with exponential backoff.</summary>
    [Range(0, 100)]
    public int SinkMaxRetries { get; set; } = 5;

    [Range(1, 600_000)]
    public int SinkRetryDelayMilliseconds { get; set; } = 200;
}
