namespace Orleans.AgentChannel.Health;

/// <summary>
/// Whether a silo of the cluster can serve: it answers (so it has joined, and it applied the schema before it became
/// active), and its storage answers a query over our tables. Front ends ask it for their readiness endpoint.
/// </summary>
[Alias("agentchannel.readiness")]
public interface IReadinessGrain : IGrainWithIntegerKey
{
    /// <summary>Throws when this silo's storage does not answer.</summary>
    [Alias("probe")]
    Task<SiloReadiness> Probe();
}
