using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>This silo's place in the cluster (<c>AgentChannel:Silo</c>).</summary>
public sealed class SiloOptions
{
    public const string Section = "AgentChannel:Silo";

    [Range(1, 65535)] public int SiloPort { get; set; } = 11111;

    /// <summary>Where cluster clients (gateways in client mode, C# agents) connect.</summary>
    [Range(1, 65535)] public int GatewayPort { get; set; } = 30000;

    /// <summary>One deployment of the cluster; silos and clients with the same id find each other.</summary>
    [Required] public string ClusterId { get; set; } = "agentchannel";

    /// <summary>The service across deployments: grain state and reminders are keyed by it, so keep it across upgrades.</summary>
    [Required] public string ServiceId { get; set; } = "agentchannel";

    /// <summary>
    /// The IP address other silos and clients reach this silo at (PostgreSQL clustering). Empty: the
    /// machine's own address as DNS resolves its host name.
    /// </summary>
    public string? AdvertisedAddress { get; set; }
}
