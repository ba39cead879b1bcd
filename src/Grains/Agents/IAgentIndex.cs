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
    Task<long> Save(AgentInfo agent, DateTimeOffset? retiredAt, GrainStateWrite state);

    /// <summary>Agents that are not retired, filtered.</summary>
    Task<IReadOnlyList<AgentListing>> List(AgentQuery query);

    /// <summary>
    /// Up to <paramref name="limit"/> agents, not retired, offline and last seen before <paramref name="seenBefore"/>:
    /// the ones the stale-agent sweep retires.
    /// </summary>
    Task<IReadOnlyList<string>> Stale(DateTimeOffset seenBefore, int limit);

    Task<string?> FindNameById(Guid id);

    /// <summary>
    /// Online agents, not retired, that have every one of <paramref name="capabilities"/> and fewer than <paramref name="maxActive"/>
    /// tasks assigned or in progress, least loaded first, then by name key: <see cref="Tasks.AssignmentPolicy.Rank"/> done in
    /// SQL as a pre-filter (callers rank what it returns; the rule lives in the policy). The counts are the query table's,
    /// which lag an agent's own slots a little: its grain still has the last word. <paramref name="limit"/>: only the first ones of that order
    /// (a caller that takes one agent reads one or two documents, not every capable agent's).
    /// </summary>
    Task<IReadOnlyList<AgentListing>> Candidates(IReadOnlyList<string> capabilities, int maxActive, int? limit = null);
}
