using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.WebFrontend.Hosting;

/// <summary>How this host runs (<c>AgentChannel</c> section).</summary>
public sealed class FrontendOptions
{
    public const string Section = "AgentChannel";

    /// <summary>
    /// The operator's bearer token (reads everything, acts as "operator"). When empty a random one is
    /// made at start and printed, so a local run is never open to anonymous callers.
    /// </summary>
    public string? OperatorToken { get; set; }

    /// <summary>
    /// When the host listens on loopback addresses only, the console opens for browsers on this machine
    /// without the operator token. Bound to any other address, the token is always required to sign in.
    /// Turn it off behind a reverse proxy on the same machine that does not add Forwarded headers.
    /// </summary>
    public bool ConsoleOpenOnLoopback { get; set; } = true;

    /// <summary>Largest request body accepted, in bytes; larger bodies get 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Whether this host runs a silo of its own or joins a cluster of <c>Silo</c> processes as a client.</summary>
    public HostMode Mode { get; set; } = HostMode.Embedded;
}
