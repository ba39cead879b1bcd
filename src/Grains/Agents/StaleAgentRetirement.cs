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
    ILogger<StaleAgentRetirement> logger) : SiloBackgroundLoop
{
    private const int BatchSize = 200;

    protected override async Task RunAsync(CancellationToken stopping)
    {
        var after = TimeSpan.FromSeconds(options.Value.RetireOfflineAfterSeconds);
        if (after <= TimeSpan.Zero)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RetireSweepSeconds), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    foreach (var name in await index.Stale(clock.GetUtcNow() - after, BatchSize))
                    {
                        if (await grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).RetireIfOfflineSince(clock.GetUtcNow() - after))
                        {
                            LogRetired(name);
                        }
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogSweepFailed(exception);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(LogLevel.Information, "Retired {Agent}: offline longer than AgentChannel:Agents:RetireOfflineAfterSeconds")]
    private partial void LogRetired(string agent);

    [LoggerMessage(LogLevel.Warning, "Stale-agent sweep failed; it runs again at the next tick")]
    private partial void LogSweepFailed(Exception exception);
}
