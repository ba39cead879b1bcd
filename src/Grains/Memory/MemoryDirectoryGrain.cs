using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Storage;

namespace Orleans.AgentChannel.Memory;

[Orleans.Concurrency.StatelessWorker]
public sealed class MemoryDirectoryGrain(IMemoryIndex index, IOptions<LimitsOptions> limits, TimeProvider clock) : Grain, IMemoryDirectoryGrain
{
    public Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor) =>
        index.List(caller, prefix, Validation.Limit(limit, limits.Value.MaxPageSize), cursor);

    // Who may read is the listing's rule (the readers the key's grain stores with its row); an expired key is gone
    // for readers before the sweep deletes it, as in MemoryGrain.RequireExists.
    public Task<MemorySearchPage> Search(Caller caller, string text, string? prefix, int limit, string? cursor) =>
        index.Search(caller, SearchText.Parse(text), prefix, Validation.Limit(limit, limits.Value.MaxPageSize), cursor, clock.GetUtcNow());

    public async Task<MemorySnapshotPage> Snapshot(Caller caller, MemoryWatch watch, string? cursor)
    {
        if (!watch.IsPrefix)
        {
            return new MemorySnapshotPage(await GrainFactory.MemoryGrain(watch.Pattern).Snapshot(caller) is { } one ? [one] : [], null);
        }
        var page = await index.List(caller, watch.Pattern, limits.Value.MaxPageSize, cursor);
        var states = await Task.WhenAll(page.Items.Select(item => GrainFactory.MemoryGrain(item.Key).Snapshot(caller)));
        return new MemorySnapshotPage([.. states.OfType<MemoryUpdated>()], page.NextCursor);
    }
}
