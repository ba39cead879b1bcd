using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>Presence (<c>AgentChannel:Presence</c>).</summary>
public sealed class PresenceOptions
{
    public const string Section = "AgentChannel:Presence";

    /// <summary>An agent with no live connection and no heartbeat for this long goes offline (agent:left).</summary>
    [Range(0.2, 86_400)]
    public double OfflineAfterSeconds { get; set; } = 30;

    public TimeSpan OfflineAfter => TimeSpan.FromSeconds(OfflineAfterSeconds);

    /// <summary>
    /// Presence changes within this interval reach each listening agent as one batch (its latest change per agent),
    /// so a burst of joins costs a push per listener per interval, not one per join.
    /// </summary>
    [Range(10, 10_000)]
    public int BatchMilliseconds { get; set; } = 200;

    public TimeSpan BatchInterval => TimeSpan.FromMilliseconds(BatchMilliseconds);
}
