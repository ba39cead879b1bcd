using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// Grain storage for memory keys: a write stores the key's state, its listing row, its history row (pruned) and the
/// writer's memory-write count in one transaction (<see cref="IMemoryIndex.Save"/>); a deletion stores the tombstone
/// and removes the listing row and the history in one (<see cref="IMemoryIndex.Remove"/>).
/// </summary>
public sealed class MemoryStateStorage(
    IMemoryIndex index,
    IOptions<LimitsOptions> limits,
    IGrainStates states,
    Serializer serializer,
    [FromKeyedServices(AgentChannelStorage.Name)] IGrainStorage storedBefore) : GrainStateStorage(states, serializer, storedBefore)
{
    public new const string Name = "agentchannel-memory";

    protected override Task<long> SaveWithRows(GrainId grainId, object state, GrainStateWrite write) => state switch
    {
        MemoryState { Exists: true } key => index.Save(key.ToEntry(KeyOf(grainId)), limits.Value.MemoryHistoryVersions, write),
        MemoryState => index.Remove(KeyOf(grainId), write),
        _ => throw Unsupported(state, typeof(MemoryState)),
    };
}
