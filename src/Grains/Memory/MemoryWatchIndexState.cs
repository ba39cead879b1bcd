using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Memory;

[GenerateSerializer, Alias("memory-watch-index-state")]
public sealed class MemoryWatchIndexState
{
    [Id(0)] public Dictionary<MemoryWatch, HashSet<string>> Watchers { get; set; } = [];
}
