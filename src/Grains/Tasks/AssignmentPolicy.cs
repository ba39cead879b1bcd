using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The one rule for who may be handed work, and in what order: every path that gives an agent something to do uses it
/// (the assignment pool offering a waiting task, a task grain accepting that offer, a named assignment or claim, a message
/// sent to <c>any</c> agent with a capability). Pure: it decides over what it is given and reads nothing.
/// </summary>
/// <remarks>
/// <see cref="IAgentIndex.Candidates"/> filters and orders the same way in SQL, so a caller that wants the first one or two
/// agents reads one or two rows, not every capable agent; the rule itself is here, and callers rank what the query returns
/// (docs/architecture.md, "Where each rule lives"). An agent's grain still has the last word on its slots
/// (<see cref="IAgentGrain.ReserveSlot"/>, counted with <see cref="HasFreeSlot"/>): the query table's counts lag a little.
/// </remarks>
public static class AssignmentPolicy
{
    /// <summary>Has every required capability (exact, case-sensitive names); no requirement: everyone has.</summary>
    public static bool IsCapable(IReadOnlyList<string> required, IReadOnlyList<string> agentCapabilities) =>
        TaskRequirements.IsCapable(required, agentCapabilities);

    /// <summary>Holding fewer tasks than the limit: room for one more.</summary>
    public static bool HasFreeSlot(int activeTasks, int maxActive) => activeTasks < maxActive;

    /// <summary>
    /// Whether the pool may offer work to this agent (and a task accept the offer): online — a busy agent said it takes
    /// nothing new, an offline one cannot hear — and capable. Slots are counted apart (<see cref="HasFreeSlot"/>).
    /// </summary>
    public static bool MayBeOffered(AgentStatus status, IReadOnlyList<string> agentCapabilities, IReadOnlyList<string> required) =>
        status == AgentStatus.Online && IsCapable(required, agentCapabilities);

    /// <summary>
    /// The candidates for work needing <paramref name="required"/>, best first: only those that <see cref="MayBeOffered"/>
    /// with a free slot under <paramref name="maxActive"/>; the fewest active tasks first; ties by name (case-insensitive,
    /// ordinal: the agent's key), so the order is the same on every silo and every engine.
    /// </summary>
    public static IReadOnlyList<AgentListing> Rank(IEnumerable<AgentListing> agents, IReadOnlyList<string> required, int maxActive) =>
        agents
            .Where(agent => MayBeOffered(agent.Status, agent.Capabilities, required) && HasFreeSlot(agent.ActiveTaskCount, maxActive))
            .OrderBy(agent => agent.ActiveTaskCount)
            .ThenBy(agent => AgentNames.Key(agent.Name), StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Why an agent named for a task (assigned by someone, or claiming it itself) may not take it, or null when it may:
    /// it lacks a required capability, or it is offline. A busy agent may be named: someone chose it. Slots are the agent
    /// grain's (a claim needs one free; an assignment takes one regardless).
    /// </summary>
    public static string? RefusalForNamed(AgentInfo agent, IReadOnlyList<string> required)
    {
        if (!IsCapable(required, agent.Capabilities))
        {
            return $"'{agent.Name}' lacks required capabilities: {string.Join(", ", required.Except(agent.Capabilities, StringComparer.Ordinal))}.";
        }
        return agent.Status == AgentStatus.Offline ? $"'{agent.Name}' is offline (the operator may force the assignment)." : null;
    }
}
