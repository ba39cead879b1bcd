using Orleans.AgentChannel.Identity;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Agents;

/// <summary>One agent, keyed by its lower-cased name: profile, presence and the hash of its token.</summary>
[Alias("agentchannel.agent")]
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the agent and returns its token, or, when <paramref name="presentedToken"/> is the agent's
    /// own token, updates its profile. A taken name without its token is a conflict.
    /// </summary>
    [Alias("register")]
    Task<AgentRegistered> Register(AgentRegistration registration, string? presentedToken);

    /// <summary>The agent, or null when no agent has this name.</summary>
    [AlwaysInterleave, Alias("get")]
    Task<AgentInfo?> Get();

    /// <summary>The agent when <paramref name="token"/> is its token; null otherwise.</summary>
    [AlwaysInterleave, Alias("authenticate")]
    Task<AgentInfo?> Authenticate(string token);

    /// <summary>Sets the agent's presence; only the agent itself or the operator may.</summary>
    [Alias("set-status")]
    Task<AgentInfo> SetStatus(Caller caller, AgentStatus status);
}

/// <summary>Cross-agent reads served from the query tables (any gateway, no single owner).</summary>
[Alias("agentchannel.agent-directory")]
public interface IAgentDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("list")]
    Task<IReadOnlyList<AgentListing>> List(AgentQuery query);

    /// <summary>Finds an agent by its id (a Guid) or its name; throws not_found.</summary>
    [Alias("resolve")]
    Task<AgentInfo> Resolve(string idOrName);
}
