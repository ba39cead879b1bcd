using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tls;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// Who the agent is and how it reaches the cluster. Either give <see cref="ClusterClient"/> (an Orleans client
/// you already run, e.g. inside an ASP.NET Core app) or let the agent start its own client against
/// <see cref="Gateways"/> (or whatever <see cref="ConfigureClustering"/> sets up).
/// </summary>
public sealed class AgentClientOptions
{
    /// <summary>The default gateway of <c>dotnet run --project src/WebFrontend</c> (AgentChannel:Silo:GatewayPort).</summary>
    public const int DefaultGatewayPort = 30000;

    /// <summary>The server's default AgentChannel:Silo:ClusterId and ServiceId.</summary>
    public const string DefaultClusterId = "agentchannel";

    /// <summary>The agent's unique name (1-64 letters, digits, '_', '-', '.'; compared ignoring case).</summary>
    public required string Name { get; set; }

    /// <summary>The agent's type, e.g. "llm" or "tool"; sent on every connect, replacing the stored profile.</summary>
    public string Type { get; set; } = "llm";

    /// <summary>What the agent can do; tasks whose requirements name capabilities go to agents that have them.</summary>
    public IReadOnlyList<string> Capabilities { get; set; } = [];

    /// <summary>A JSON object describing the agent (any serializable object, a <see cref="RawJson"/> or a JsonElement).</summary>
    public object? Metadata { get; set; }

    /// <summary>
    /// The agent's token. Without it the <see cref="TokenFile"/> is read; without a token file the agent is
    /// registered and the token the server returns (once only) is saved there.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// Where the token is kept between runs. Default: <c>~/.agent_sdk/tokens/&lt;cluster id&gt;/&lt;name&gt;.token</c>
    /// (the environment variable <c>AGENT_SDK_TOKEN_DIR</c> replaces <c>~/.agent_sdk/tokens</c>, as for the Python SDK),
    /// written readable by its owner only.
    /// </summary>
    public string? TokenFile { get; set; }

    /// <summary>An Orleans client already connected to the cluster; the agent uses it and never stops it.</summary>
    public IClusterClient? ClusterClient { get; set; }

    /// <summary>The silo gateways to connect to when the agent starts its own client (static clustering).</summary>
    public IReadOnlyList<IPEndPoint> Gateways { get; set; } = [new(IPAddress.Loopback, DefaultGatewayPort)];

    /// <summary>
    /// Replaces the static <see cref="Gateways"/> list with another way of finding the cluster (for example
    /// ADO.NET clustering on PostgreSQL for a multi-silo deployment). <see cref="ClusterId"/> and
    /// <see cref="ServiceId"/> still apply.
    /// </summary>
    public Action<IClientBuilder>? ConfigureClustering { get; set; }

    /// <summary>
    /// TLS to the gateways when the agent starts its own client: set it when the cluster runs with
    /// <c>AgentChannel:Tls:Enabled</c> (docs/deployment.md), with this agent's certificate when the gateways require
    /// client certificates. Null (the default): plaintext, as the one-machine server expects.
    /// </summary>
    public ClusterTlsOptions? Tls { get; set; }

    public string ClusterId { get; set; } = DefaultClusterId;

    public string ServiceId { get; set; } = DefaultClusterId;

    /// <summary>
    /// How often the agent renews its presence and sends a heartbeat (which also keeps the leases of the tasks it
    /// holds). Keep it at most a third of the server's AgentChannel:Presence:OfflineAfterSeconds (30 s by default).
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long processed inbox sequences are gathered before one acknowledgement is sent.</summary>
    public TimeSpan AckDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Inbox events read at a time when replaying a backlog or filling a gap.</summary>
    public int ReplayPageSize { get; set; } = 500;

    /// <summary>
    /// Whether to receive agent:joined and agent:left of other agents: batched by the cluster (one push per
    /// interval, AgentChannel:Presence:BatchMilliseconds) and live only, never replayed.
    /// </summary>
    public bool ReceivePresenceEvents { get; set; } = true;

    /// <summary>
    /// Attempts a write (send, task and memory changes, channel joins) makes in all when the cluster does not answer (a
    /// lost gateway connection, a dead silo, a timeout). Every attempt carries the same idempotency key, so the write
    /// happens at most once; after the last, the call throws <see cref="WriteNotConfirmedException"/>. 1 turns retries off.
    /// </summary>
    public int WriteAttempts { get; set; } = 10;

    /// <summary>The wait before the first retry of a write; it doubles (with jitter) up to <see cref="WriteRetryMaxDelay"/>.</summary>
    public TimeSpan WriteRetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between two attempts of a write.</summary>
    public TimeSpan WriteRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How the agent's own values (metadata, task requirements and results, memory values) become JSON.</summary>
    public JsonSerializerOptions JsonOptions { get; set; } = AgentChannelJson.Options;

    /// <summary>Where the agent (and the Orleans client it starts) logs; nothing is logged without it.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    internal void Validate()
    {
        Identity.AgentNames.Require(Name, "name");
        if (string.IsNullOrWhiteSpace(Type))
        {
            throw new ArgumentException("Type is required.", nameof(Type));
        }
        if (ClusterClient is null && ConfigureClustering is null && Gateways.Count == 0)
        {
            throw new ArgumentException("Give ClusterClient, Gateways or ConfigureClustering.", nameof(Gateways));
        }
        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), HeartbeatInterval, "Must be positive.");
        }
        if (AckDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(AckDelay), AckDelay, "Cannot be negative.");
        }
        if (WriteAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteAttempts), WriteAttempts, "Must be at least 1.");
        }
        if (WriteRetryInitialDelay < TimeSpan.Zero || WriteRetryMaxDelay < WriteRetryInitialDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(WriteRetryMaxDelay), WriteRetryMaxDelay, "Delays cannot be negative, and the longest not shorter than the first.");
        }
        if (ReplayPageSize is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplayPageSize), ReplayPageSize, "Must be 1-1000.");
        }
    }
}
