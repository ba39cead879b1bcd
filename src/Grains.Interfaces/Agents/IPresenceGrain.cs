using Orleans.AgentChannel.Events;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// Presence for the agents that asked for it: the agents' grains report each crossing of the offline boundary
/// (agent:joined, agent:left) and whether one of their live connections wants presence; every interval the
/// grain sends each listener one batch with the latest change of every other agent. A burst of n joins costs
/// each listener one push per interval instead of n. Held in memory: listeners say so again at every renewal.
/// Not for agents to call.
/// </summary>
[Alias("agentchannel.presence")]
public interface IPresenceGrain : IGrainWithIntegerKey
{
    // One-way: called by agent grains, which the presence grain calls back (Notify) (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("changed")]
    Task Changed(AgentEvent change);

    // One-way: called by agent grains, which the presence grain calls back (Notify) (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("listen")]
    Task Listen(string agentKey, bool listening);
}
