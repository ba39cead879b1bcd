namespace Orleans.AgentChannel.Agents;

/// <summary>The agents query table: written by each agent grain, read by listings.</summary>
public interface IAgentIndex
{
    Task Upsert(AgentInfo agent);

    Task<IReadOnlyList<AgentListing>> List(AgentQuery query);

    Task<string?> FindNameById(Guid id);

    /// <summary>Online agents that have every one of <paramref name="capabilities"/>, least loaded first.</summary>
    Task<IReadOnlyList<AgentListing>> Candidates(IReadOnlyList<string> capabilities);
}
