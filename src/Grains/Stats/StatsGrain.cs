using Orleans.Concurrency;

namespace Orleans.AgentChannel.Stats;

/// <summary>
/// Reports over the stored history. Read-only and stateless: any silo answers, as many at once as asked.
/// </summary>
// Reentrant: it holds no state, and a stateless worker otherwise serves one call at a time (see MessagesGrain).
[StatelessWorker, Reentrant]
public sealed class StatsGrain(IStatsStore store, TimeProvider clock) : Grain, IStatsGrain
{
    public Task<StatsReport> Report(StatsQuery query)
    {
        var now = clock.GetUtcNow();
        // Summing a month can mean a few hundred thousand rows: CPU work kept off the grain's turn.
        return Task.Run(() => new StatsReporter(store).Report(query, now));
    }
}
