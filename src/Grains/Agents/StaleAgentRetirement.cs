using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// Retires agents offline for longer than <see cref="AgentsOptions.RetireOfflineAfterSeconds"/> (off by default). Each
/// agent's grain does the retiring, as for the operator's <c>DELETE</c>; a retired agent is no longer a candidate, so
/// several silos sweeping at once retire each agent once.
/// </summary>
internal sealed partial class StaleAgentRetirement(
    IAgentIndex index,
    IGrainFactory grains,
    IOptions<AgentsOptions> options,
    TimeProvider clock,
    ILogger<StaleAgentRetirement> logger) : PeriodicSiloLoop(clock, logger)
{
    private const int BatchSize = 200;

    private TimeSpan OfflineLimit => TimeSpan.FromSeconds(options.Value.RetireOfflineAfterSeconds);

    protected override TimeSpan Interval =>
        OfflineLimit > TimeSpan.Zero ? TimeSpan.FromSeconds(options.Value.RetireSweepSeconds) : TimeSpan.Zero;

    protected override async Task Tick(CancellationToken stopping)
    {
        foreach (var name in await index.Stale(Clock.GetUtcNow() - OfflineLimit, BatchSize))
        {
            if (await grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).RetireIfOfflineSince(Clock.GetUtcNow() - OfflineLimit))
            {
                LogRetired(Logger, name);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Retired {Agent}: offline longer than AgentChannel:Agents:RetireOfflineAfterSeconds")]
    private static partial void LogRetired(ILogger logger, string agent);
}
