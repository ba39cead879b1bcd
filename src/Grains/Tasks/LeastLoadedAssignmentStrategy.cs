using Orleans.AgentChannel.Plugins;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The built-in choice: the candidates in the order they come, which is <see cref="AssignmentPolicy.Rank"/>'s (the pool
/// ranks them before any strategy sees them): least loaded first, then by name.
/// </summary>
public sealed class LeastLoadedAssignmentStrategy : IAssignmentStrategy
{
    public static LeastLoadedAssignmentStrategy Instance { get; } = new();

    public ValueTask<AssignmentDecision> ChooseAsync(AssignmentRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AssignmentDecision.Offer(request.Candidates.Select(candidate => candidate.Name)));
}
