using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>Agent lifecycle (<c>AgentChannel:Agents</c>).</summary>
public sealed class AgentsOptions
{
    public const string Section = "AgentChannel:Agents";

    /// <summary>
    /// An agent offline for longer than this is retired automatically (as <c>DELETE /api/agents/{id}</c> would);
    /// 0, the default, never retires anyone.
    /// </summary>
    [Range(0, 10 * 365 * 86_400.0)]
    public double RetireOfflineAfterSeconds { get; set; }

    /// <summary>How often each silo looks for agents to retire (when <see cref="RetireOfflineAfterSeconds"/> is set).</summary>
    [Range(0.05, 86_400)]
    public double RetireSweepSeconds { get; set; } = 60;
}
