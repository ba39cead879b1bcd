using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Memory;

/// <summary>The memory keys query table, for prefix listings filtered by who may read.</summary>
public interface IMemoryIndex
{
    Task Upsert(MemoryEntry entry);

    Task Remove(string key);

    Task<MemoryKeyPage> List(Caller caller, string? prefix, int limit, string? cursor);
}
