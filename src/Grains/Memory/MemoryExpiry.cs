using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// Deletes keys whose time-to-live ran out. Expiry times live in the memory_keys table, so a restart loses
/// nothing: the first sweep after it catches up. Each key's grain does the deleting (and the event).
/// </summary>
internal sealed class MemoryExpiry(
    IMemoryIndex index,
    IGrainFactory grains,
    IOptions<LimitsOptions> limits,
    TimeProvider clock,
    ILogger<MemoryExpiry> logger) : PeriodicSiloLoop(clock, logger)
{
    private const int BatchSize = 200;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(limits.Value.MemoryExpirySweepSeconds);

    protected override async Task Tick(CancellationToken stopping)
    {
        foreach (var key in await index.Expired(Clock.GetUtcNow(), BatchSize))
        {
            await grains.MemoryGrain(key).Expire();
        }
    }
}
