using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Memory;

[Orleans.Concurrency.StatelessWorker]
public sealed class MemoryDirectoryGrain(IMemoryIndex index, IOptions<LimitsOptions> limits) : Grain, IMemoryDirectoryGrain
{
    public Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor) =>
        index.List(caller, prefix, Validation.Limit(limit, limits.Value.MaxPageSize), cursor);

    public async Task<MemorySnapshotPage> Snapshot(Caller caller, MemoryWatch watch, string? cursor)
    {
        if (!watch.IsPrefix)
        {
            return new MemorySnapshotPage(await GrainFactory.GetGrain<IMemoryGrain>(watch.Pattern).Snapshot(caller) is { } one ? [one] : [], null);
        }
        var page = await index.List(caller, watch.Pattern, limits.Value.MaxPageSize, cursor);
        var states = await Task.WhenAll(page.Items.Select(item => GrainFactory.GetGrain<IMemoryGrain>(item.Key).Snapshot(caller)));
        return new MemorySnapshotPage([.. states.OfType<MemoryUpdated>()], page.NextCursor);
    }
}
