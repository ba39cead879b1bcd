namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// Chooses which agent the engine offers a ready task to. Strategies are asked in registration order; the
/// first that does not <see cref="AssignmentDecision.Defer"/> decides, and the built-in strategy (capable,
/// online, least loaded first) decides when every plugin defers. A strategy can therefore take over only the
/// tasks it cares about (a task type in the requirements, one capability pool) and leave the rest alone.
/// </summary>
/// <remarks>
/// The engine keeps its guarantees whatever a strategy answers: only the <see cref="AssignmentRequest.Candidates"/>
/// (online agents with every required capability) can be chosen, an agent's slot limit still holds, and the
/// task's own grain still has the last word. A strategy that throws or runs past the plugin time-out is
/// treated as deferring.
/// </remarks>
public interface IAssignmentStrategy
{
    ValueTask<AssignmentDecision> ChooseAsync(AssignmentRequest request, CancellationToken cancellationToken);
}
