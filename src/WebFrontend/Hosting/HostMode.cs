namespace Orleans.AgentChannel.WebFrontend.Hosting;

public enum HostMode
{
    /// <summary>A silo in this process (one machine: the default).</summary>
    Embedded,

    /// <summary>
    /// No silo here: a cluster client of the silos configured by AgentChannel:Silo (cluster and service id,
    /// and the gateway port with SQLite) and AgentChannel:Storage (the membership table on PostgreSQL).
    /// Several front ends can run at once behind a load balancer.
    /// </summary>
    Client,
}
