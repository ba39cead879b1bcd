using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Plugins;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// Asks the plugin strategies, in order, which candidates to offer a task to, and holds their answers to the
/// pool's rules: only candidates can be chosen, and a strategy that fails counts as deferring.
/// </summary>
public sealed class AssignmentChooser(PluginRuntime plugins)
{
    /// <summary>Whether a plugin strategy may choose: then it must be shown every candidate, not only the best few.</summary>
    public bool ConsultsPlugins => plugins.Strategies.Count > 0;

    /// <summary>
    /// The agents to offer the task to, in order (empty: the task waits), and whether a plugin chose them
    /// rather than the built-in strategy. <paramref name="candidates"/> come ranked by <see cref="AssignmentPolicy.Rank"/>;
    /// <paramref name="loadTask"/> is called only when a plugin strategy needs to see the task.
    /// </summary>
    public async Task<(IReadOnlyList<AgentListing> Agents, bool ByPlugin)> Choose(
        Func<Task<TaskInfo>> loadTask, IReadOnlyList<string> pool, IReadOnlyList<AgentListing> candidates)
    {
        if (plugins.Strategies.Count == 0 || candidates.Count == 0)
        {
            // The built-in strategy never looks at the task, so the pool does not load it just for this.
            return (candidates, false);
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
        return (candidates, false);
    }

    private static List<AgentListing> Among(IReadOnlyList<string> chosen, IReadOnlyList<AgentListing> candidates) =>
        chosen.Select(name => candidates.FirstOrDefault(candidate => AgentNames.Equal(candidate.Name, name)))
            .OfType<AgentListing>()
            .DistinctBy(candidate => candidate.Name)
            .ToList();
}
