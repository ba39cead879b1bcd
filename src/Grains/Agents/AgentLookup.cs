using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Agents;

/// <summary>What a call naming an agent that <see cref="IAgentGrain.Get"/> did not return is told: not_found, or gone when it was retired.</summary>
internal static class AgentLookup
{
    public static async Task<AgentChannelException> Missing(IGrainFactory grains, string name, string notFound) =>
        AgentNames.IsValid(name) && await grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).IsRetired()
            ? AgentChannelException.Gone($"The agent '{name}' was retired: nothing new reaches it.")
            : AgentChannelException.NotFound(notFound);
}
