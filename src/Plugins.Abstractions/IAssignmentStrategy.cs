using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Tasks;

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

/// <summary>
/// A ready task and who could take it now.
/// </summary>
/// <param name="Task">The task as it is now (status pending).</param>
/// <param name="Pool">The capabilities the task requires (the engine's queue for it), sorted.</param>
/// <param name="Candidates">Online agents with every required capability that have a free slot, least loaded first.</param>
public sealed record AssignmentRequest(TaskInfo Task, IReadOnlyList<string> Pool, IReadOnlyList<AgentListing> Candidates);

/// <summary>What a strategy answers.</summary>
public sealed record AssignmentDecision
{
    private AssignmentDecision(AssignmentDecisionKind kind, IReadOnlyList<string> agents)
    {
        Kind = kind;
        Agents = agents;
    }

    public AssignmentDecisionKind Kind { get; }

    /// <summary>For <see cref="AssignmentDecisionKind.Offer"/>: agent names to offer the task to, in order.</summary>
    public IReadOnlyList<string> Agents { get; }

    /// <summary>Not this strategy's task: the next strategy (finally the built-in one) decides.</summary>
    public static AssignmentDecision Defer { get; } = new(AssignmentDecisionKind.Defer, []);

    /// <summary>Nobody now: the task keeps waiting and is offered again when the engine next looks.</summary>
    public static AssignmentDecision Wait { get; } = new(AssignmentDecisionKind.Wait, []);

    /// <summary>
    /// Offer the task to these agents in this order; the first that can take it gets it. Names that are not
    /// among the candidates are skipped.
    /// </summary>
    public static AssignmentDecision Offer(params IEnumerable<string> agents) => new(AssignmentDecisionKind.Offer, [.. agents]);
}

public enum AssignmentDecisionKind
{
    Defer,
    Wait,
    Offer,
}
