using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// What memory watches cover as it stands now, as <c>memory:updated</c> events marked snapshot, every page read. The
/// one way a live connection (the WebSocket gateway's, or <c>AgentClient</c>'s) catches up when it sets a watch with a
/// snapshot or learns that its agent's grain had lost it (live events may have been missed meanwhile).
/// </summary>
public static class MemorySnapshots
{
    public static async IAsyncEnumerable<AgentEvent> Read(IGrainFactory grains, Caller caller, IEnumerable<MemoryWatch> watches)
    {
        var directory = grains.GetGrain<IMemoryDirectoryGrain>(0);
        foreach (var watch in watches)
        {
            string? cursor = null;
            do
            {
                var page = await directory.Snapshot(caller, watch, cursor);
                foreach (var state in page.Items)
                {
                    yield return new AgentEvent(EventNames.MemoryUpdated, null, RawJson.Serialize(state, AgentChannelJson.Options));
                }
                cursor = page.NextCursor;
            }
            while (cursor is not null);
        }
    }
}
