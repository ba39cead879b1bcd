using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// Grain storage for agents: a registered agent's state and its agents/agent_capabilities rows in one transaction (a
/// retired agent keeps its row, marked <c>retired_at</c>, so it can still be found by id and its name stays taken).
/// </summary>
public sealed class AgentStateStorage(
    IAgentIndex index,
    IGrainStates states,
    Serializer serializer,
    [FromKeyedServices(AgentChannelStorage.Name)] IGrainStorage storedBefore) : GrainStateStorage(states, serializer, storedBefore)
{
    public new const string Name = "agentchannel-agents";

    protected override Task<long> SaveWithRows(GrainId grainId, object state, GrainStateWrite write) => state switch
    {
        AgentState { IsRegistered: true } agent => index.Save(agent.ToInfo(), agent.RetiredAt, write),
        AgentState => States.Save(write),
        _ => throw Unsupported(state, typeof(AgentState)),
    };
}
