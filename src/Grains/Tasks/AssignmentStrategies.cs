using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Plugins;

namespace Orleans.AgentChannel.Tasks;

/// <summary>The built-in choice: every capable online agent, least loaded first (as the query table orders them).</summary>
public sealed class LeastLoadedAssignmentStrategy : IAssignmentStrategy
{
    public static LeastLoadedAssignmentStrategy Instance { get; } = new();

    public ValueTask<AssignmentDecision> ChooseAsync(AssignmentRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AssignmentDecision.Offer(Order(request.Candidates).Select(candidate => candidate.Name)));

    /// <summary>The candidates as the query table orders them: fewest active tasks first, then by name.</summary>
    public static IReadOnlyList<AgentListing> Order(IReadOnlyList<AgentListing> candidates) => candidates;
}

/// <summary>
/// Asks the plugin strategies, in order, which candidates to offer a task to, and holds their answers to the
/// engine's rules: only candidates can be chosen, and a strategy that fails counts as deferring.
/// </summary>
public sealed class AssignmentChooser(PluginRuntime plugins)
{
    /// <summary>
    /// The agents to offer the task to, in order (empty: the task waits), and whether a plugin chose them
    /// rather than the built-in strategy. <paramref name="loadTask"/> is called only when a plugin strategy
    /// needs to see the task.
    /// </summary>
    public async Task<(IReadOnlyList<AgentListing> Agents, bool ByPlugin)> Choose(
        Func<Task<TaskInfo>> loadTask, IReadOnlyList<string> pool, IReadOnlyList<AgentListing> candidates)
    {
        if (plugins.Strategies.Count == 0 || candidates.Count == 0)
        {
            // The built-in strategy never looks at the task, so the engine does not load it just for this.
            return (LeastLoadedAssignmentStrategy.Order(candidates), false);
        }
        var task = await loadTask();
        var request = new AssignmentRequest(task, pool, candidates);
        foreach (var strategy in plugins.Strategies)
        {
            var (succeeded, decision) = await plugins.Run(strategy, (instance, token) => instance.ChooseAsync(request, token));
            if (!succeeded || decision is null || decision.Kind == AssignmentDecisionKind.Defer)
            {
                continue;
            }
            return (decision.Kind == AssignmentDecisionKind.Wait ? [] : Among(decision.Agents, candidates), true);
        }
        return (LeastLoadedAssignmentStrategy.Order(candidates), false);
    }

    private static List<AgentListing> Among(IReadOnlyList<string> chosen, IReadOnlyList<AgentListing> candidates) =>
        chosen.Select(name => candidates.FirstOrDefault(candidate => AgentNames.Equal(candidate.Name, name)))
            .OfType<AgentListing>()
            .DistinctBy(candidate => candidate.Name)
            .ToList();
}
