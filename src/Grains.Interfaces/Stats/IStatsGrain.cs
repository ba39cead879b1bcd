using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Stats;

/// <summary>Read-only reports over the stored history (a stateless worker: any silo answers).</summary>
[Alias("agentchannel.stats")]
public interface IStatsGrain : IGrainWithIntegerKey
{
    /// <summary>The figures of a window, whole and by hour, agent and capability; 400 on a bad window.</summary>
    [AgentAccess(AgentAccess.AnyAgent)]
    [Alias("report"), RetrySafe]
    Task<StatsReport> Report(StatsQuery query);
}
