using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// Deletes keys whose time-to-live ran out. Expiry times live in the memory_keys table, so a restart loses
/// nothing: the first sweep after it catches up. Each key's grain does the deleting (and the event).
/// </summary>
internal sealed partial class MemoryExpiry(
    IMemoryIndex index,
    IGrainFactory grains,
    IOptions<LimitsOptions> limits,
    TimeProvider clock,
    ILogger<MemoryExpiry> logger) : SiloBackgroundLoop
{
    private const int BatchSize = 200;

    protected override async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(limits.Value.MemoryExpirySweepSeconds), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    foreach (var key in await index.Expired(clock.GetUtcNow(), BatchSize))
                    {
                        await grains.GetGrain<IMemoryGrain>(key).Expire();
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

    [LoggerMessage(LogLevel.Warning, "Memory expiry sweep failed; it runs again at the next tick")]
    private partial void LogSweepFailed(Exception exception);
}
