using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Agents;

// Reentrant: it holds no state, and a stateless worker otherwise serves one call at a time (see MessagesGrain).
[StatelessWorker, Reentrant]
public sealed class AgentDirectoryGrain(IAgentIndex index) : Grain, IAgentDirectoryGrain
{
    public Task<IReadOnlyList<AgentListing>> List(AgentQuery query) => index.List(query);

    public async Task<AgentInfo> Resolve(string idOrName)
    {
        var name = Guid.TryParse(idOrName, out var id) ? await index.FindNameById(id) : idOrName;
        AgentInfo? agent = null;
        if (name is not null && AgentNames.IsValid(name))
        {
            agent = await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(name)).Get();
        }
        return agent ?? throw (name is null
            ? AgentChannelException.NotFound($"No agent with id or name '{idOrName}'.")
            : await AgentLookup.Missing(GrainFactory, name, $"No agent with id or name '{idOrName}'."));
    }
}
