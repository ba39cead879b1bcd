using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>What the console reads about agents and does to them, always as the operator.</summary>
public sealed class AgentOperations(IGrainFactory grains)
{
    public Task<IReadOnlyList<AgentListing>> List() => grains.GetGrain<IAgentDirectoryGrain>(0).List(new AgentQuery());

    public Task<AgentInfo?> Get(string name) => grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Get();

    public Task<AgentInfo> SetStatus(string name, AgentStatus status) =>
        grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).SetStatus(Caller.Operator, status);

    public Task RevokeToken(string name) => grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).RevokeToken(Caller.Operator);

    public Task Retire(string name) => grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Retire(Caller.Operator);
}
