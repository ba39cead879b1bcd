using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>The WebSocket gateway (<c>AgentChannel:Realtime</c>).</summary>
public sealed class RealtimeOptions
{
    public const string Section = "AgentChannel:Realtime";

    /// <summary>Largest frame a client may send; a bigger one closes the connection (1009).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Events waiting to be written to one client. A client that falls this far behind is disconnected
    /// and resumes from its last ack, so a slow reader never stalls others or grows server memory.
    /// </summary>
    [Range(1, 1_000_000)]
    public int SendQueueCapacity { get; set; } = 4096;

    /// <summary>A single socket write that takes longer than this means the client is gone.</summary>
    [Range(1, 3600)]
    public int SendTimeoutSeconds { get; set; } = 30;

    /// <summary>How long a new connection may take to send agent:register.</summary>
    [Range(1, 3600)]
    public int RegisterTimeoutSeconds { get; set; } = 30;

    /// <summary>Inbox events fetched per read when replaying a backlog or filling a gap.</summary>
    [Range(1, 1000)]
    public int ReplayPageSize { get; set; } = 500;
}
