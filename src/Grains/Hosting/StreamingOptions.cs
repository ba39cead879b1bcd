using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>The event streams (<c>AgentChannel:Streaming</c>).</summary>
public sealed class StreamingOptions
{
    public const string Section = "AgentChannel:Streaming";

    /// <summary>How often stream queues are polled; the push latency floor.</summary>
    [Range(1, 1000)]
    public int PollMilliseconds { get; set; } = 10;

    /// <summary>Stream queues; each costs a polling agent, so one process needs few.</summary>
    [Range(1, 64)]
    public int Queues { get; set; } = 2;
}
