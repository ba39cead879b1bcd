using Orleans.AgentChannel.Storage;

namespace Orleans.AgentChannel.Agents;

/// <summary>The agents query table: written by each agent grain with its state (<see cref="AgentStateStorage"/>), read by listings.</summary>
public interface IAgentIndex
{
    /// <summary>
    /// Stores the agent's grain state and its rows (the agent and its capabilities) in one transaction. Returns the
    /// state's new version; throws <see cref="Orleans.Storage.InconsistentStateException"/>, storing nothing, when
    /// another write got there first.
    /// </summary>
    Task<long> Save(AgentInfo agent, GrainStateWrite state);

    Task<IReadOnlyList<AgentListing>> List(AgentQuery query);

    Task<string?> FindNameById(Guid id);

    /// <summary>
    /// Online agents that have every one of <paramref name="capabilities"/> and fewer than <paramref name="maxActive"/>
    /// tasks assigned or in progress, least loaded first. The counts are the query table's, which lag an agent's own
    /// slots a little: its grain still has the last word.
    /// </summary>
    Task<IReadOnlyList<AgentListing>> Candidates(IReadOnlyList<string> capabilities, int maxActive);
}
