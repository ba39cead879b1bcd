using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>Shared memory as the operator sees it (every key, whatever its access lists say).</summary>
public sealed class MemoryOperations(IGrainFactory grains)
{
    private const int PageSize = 500;

    /// <summary>Keys under a prefix in key order, at most <paramref name="max"/>; the flag says whether more exist.</summary>
    public async Task<(IReadOnlyList<MemoryKeySummary> Keys, bool Truncated)> Keys(string? prefix, int max)
    {
        var keys = new List<MemoryKeySummary>();
        string? cursor = null;
        do
        {
            var page = await grains.GetGrain<IMemoryDirectoryGrain>(0).List(Caller.Operator, prefix, PageSize, cursor);
            keys.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && keys.Count < max);
        return (keys.Take(max).ToList(), cursor is not null || keys.Count > max);
    }

    /// <summary>Keys and values holding the words (<see cref="IMemoryDirectoryGrain.Search"/>), under a prefix, most relevant first.</summary>
    public Task<MemorySearchPage> Search(string text, string? prefix, int limit, string? cursor) =>
        grains.GetGrain<IMemoryDirectoryGrain>(0).Search(Caller.Operator, text, string.IsNullOrEmpty(prefix) ? null : prefix, limit, cursor);

    public Task<MemoryEntry> Get(string key) => grains.MemoryGrain(key).Get(Caller.Operator);

    public Task<IReadOnlyList<MemoryVersion>> History(string key, int limit) => grains.MemoryGrain(key).History(Caller.Operator, limit);

    /// <summary>
    /// Writes the value only if the key is still at <paramref name="expectedVersion"/> (0: only if it does not
    /// exist); a stale version is a conflict that changes nothing.
    /// </summary>
    public Task<MemoryWritten> CompareAndSet(string key, Json.RawJson value, long expectedVersion) =>
        grains.MemoryGrain(key).TrySet(Caller.Operator, new MemoryWrite(value, ExpectedVersion: expectedVersion)).OrThrow();
}
