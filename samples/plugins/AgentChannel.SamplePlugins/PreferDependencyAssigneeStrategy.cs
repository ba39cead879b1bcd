using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.AgentChannel.Plugins;
using Orleans.AgentChannel.Tasks;

namespace AgentChannel.SamplePlugins;

/// <summary>
/// Hands a task that depends on others to the agent that did one of those (it has the context), when that
/// agent is among the candidates; everything else is left to the next strategy (finally the built-in one).
/// </summary>
public sealed partial class PreferDependencyAssigneeStrategy(IGrainFactory grains, ILogger<PreferDependencyAssigneeStrategy> logger)
    : IAssignmentStrategy
{
    public async ValueTask<AssignmentDecision> ChooseAsync(AssignmentRequest request, CancellationToken cancellationToken)
    {
        if (request.Task.DependsOn.Count == 0)
        {
            return AssignmentDecision.Defer;
        }
        var dependencies = await Task.WhenAll(request.Task.DependsOn.Select(id => grains.GetGrain<ITaskGrain>(id).Get()));
        var previous = dependencies
            .Where(task => task.Status == AgentTaskStatus.Completed)
            .OrderByDescending(task => task.CompletedAt)
            .Select(task => task.Assignments.LastOrDefault(assignment => assignment.Status == AssignmentStatus.Completed)?.Agent)
            .OfType<string>()
            .Where(agent => request.Candidates.Any(candidate => string.Equals(candidate.Name, agent, StringComparison.OrdinalIgnoreCase)))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (previous.Count == 0)
        {
            return AssignmentDecision.Defer;
        }
        LogPreferred(request.Task.Id, previous[0]);
        // The others after them, least loaded first, so the task is not held back if those are full.
        return AssignmentDecision.Offer(previous.Concat(request.Candidates.Select(candidate => candidate.Name)));
    }

    [LoggerMessage(LogLevel.Information, "Task {TaskId} goes to {Agent}, who did what it depends on")]
    private partial void LogPreferred(Guid taskId, string agent);
}
