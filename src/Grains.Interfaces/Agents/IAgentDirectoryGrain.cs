using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Agents;

/// <summary>Cross-agent reads served from the query tables (any gateway, no single owner).</summary>
[Alias("agentchannel.agent-directory")]
public interface IAgentDirectoryGrain : IGrainWithIntegerKey
{
    [AgentAccess(AgentAccess.AnyAgent)]
    [Alias("list"), RetrySafe]
    Task<IReadOnlyList<AgentListing>> List(AgentQuery query);

    /// <summary>Finds an agent by its id (a Guid) or its name; throws not_found.</summary>
    [AgentAccess(AgentAccess.AnyAgent)]
    [Alias("resolve"), RetrySafe]
    Task<AgentInfo> Resolve(string idOrName);
}
