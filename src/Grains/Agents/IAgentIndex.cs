namespace Orleans.AgentChannel.Agents;

/// <summary>The agents query table: written by each agent grain, read by listings.</summary>
public interface IAgentIndex
{
    Task Upsert(AgentInfo agent);

    Task<IReadOnlyList<AgentListing>> List(AgentQuery query);

    Task<string?> FindNameById(Guid id);

    /// <summary>
    /// Online agents that have every one of <paramref name="capabilities"/> and fewer than <paramref name="maxActive"/>
    /// tasks assigned or in progress, least loaded first. The counts are the query table's, which lag an agent's own
    /// slots a little: its grain still has the last word.
    /// </summary>
    Task<IReadOnlyList<AgentListing>> Candidates(IReadOnlyList<string> capabilities, int maxActive);
}
