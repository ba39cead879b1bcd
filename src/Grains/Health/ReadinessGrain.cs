using System.Diagnostics;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Health;

/// <summary>Any silo answers (a stateless worker is local to whichever silo the call lands on).</summary>
[StatelessWorker, Reentrant]
public sealed class ReadinessGrain(IStorageProbe storage, ILocalSiloDetails silo) : Grain, IReadinessGrain
{
    public async Task<SiloReadiness> Probe()
    {
        var answered = Stopwatch.StartNew();
        await storage.Check();
        return new SiloReadiness(silo.SiloAddress.ToParsableString(), answered.Elapsed);
    }
}
